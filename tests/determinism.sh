#!/bin/sh
# The same config and seed give byte-identical spikes for 1, 2 and 4
# threads: CSV spike rows compared with cmp, HDF5 spike datasets compared
# with h5dump where hdf5-tools is installed. Only the provenance (the
# `threads` attribute, the CSV comment lines) records the thread count.
. "$(dirname "$0")/lib.sh"

for ex in brunel cuba coba; do
	for th in 1 2 4; do
		expect_exit 0 "$SNNSIM" run "$SRC/examples/$ex.yaml" --duration 200ms --threads $th \
			-o "$TMP/$ex.$th.csv" --format csv -q
		grep -v '^#' "$TMP/$ex.$th.csv" >"$TMP/$ex.$th.rows"
		expect_exit 0 "$SNNSIM" run "$SRC/examples/$ex.yaml" --duration 200ms --threads $th \
			-o "$TMP/$ex.$th.h5" -q
	done
	[ "$(wc -l <"$TMP/$ex.1.rows")" -gt 100 ] || fail "$ex: too few spikes to compare"
	for th in 2 4; do
		cmp -s "$TMP/$ex.1.rows" "$TMP/$ex.$th.rows" ||
			fail "$ex: CSV spikes differ between 1 and $th threads"
		if command -v h5dump >/dev/null 2>&1; then
			for pop in exc inh; do
				for ds in timestamps node_ids; do
					h5dump -d "/spikes/$pop/$ds" -y -w 0 "$TMP/$ex.1.h5" |
						grep -v HDF5 >"$TMP/a"
					h5dump -d "/spikes/$pop/$ds" -y -w 0 "$TMP/$ex.$th.h5" |
						grep -v HDF5 >"$TMP/b"
					cmp -s "$TMP/a" "$TMP/b" ||
						fail "$ex: /spikes/$pop/$ds differs between 1 and $th threads"
				done
			done
		fi
	done
done
finish
