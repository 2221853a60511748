# bench/viewer*: frames per second of snnview's picture while panning and
# zooming over the 1 s Brunel run and a synthetic 10-million-spike file.
# `make bench-viewer` prints one JSON line per file. Built on demand only.

EXTRA_PROGRAMS = bench/viewer_fps
bench_viewer_fps_SOURCES = bench/viewer_fps.c
bench_viewer_fps_LDADD = libsnn_core.la -lm
CLEANFILES += bench/viewer_fps$(EXEEXT)
EXTRA_DIST += bench/viewer.sh

bench-viewer: bench/viewer_fps$(EXEEXT) snnsim$(EXEEXT)
	SNN_SRCDIR='$(abs_top_srcdir)' SNN_BUILDDIR='$(abs_top_builddir)' \
		$(SHELL) $(top_srcdir)/bench/viewer.sh

clean-local: clean-bench-viewer
clean-bench-viewer:
	rm -rf bench/out
.PHONY: bench-viewer clean-bench-viewer
