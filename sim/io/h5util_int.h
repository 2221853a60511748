/*
 * Small helpers over the HDF5 C API: quiet error stacks, string and number
 * attributes, reproducible (timestamp-free) creation properties.
 * Layer: sim core, internal. The only code besides the format modules that
 * includes hdf5.h.
 */
#ifndef SNN_H5UTIL_INT_H
#define SNN_H5UTIL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <hdf5.h>

#include "snn/error.h"

/* HDF5 prints its error stack by default; loaders report their own errors. */
struct h5quiet {
	H5E_auto2_t func;
	void *data;
};
void h5_quiet_begin(struct h5quiet *q);
void h5_quiet_end(const struct h5quiet *q);

/* Creates a file for writing whose bytes do not depend on when it was made
 * (no object timestamps). Returns the file id or a negative value. */
hid_t h5_create_file(const char *path);
/* Group and dataset creation property lists without timestamps (the caller
 * closes them). */
hid_t h5_gcpl(void);
hid_t h5_dcpl_chunked(hsize_t chunk);

int h5_attr_str(hid_t obj, const char *name, const char *value);
int h5_attr_u64(hid_t obj, const char *name, uint64_t value);
int h5_attr_i64(hid_t obj, const char *name, int64_t value);
int h5_attr_f64(hid_t obj, const char *name, double value);
/* Reads a string attribute (fixed or variable length) into a new buffer;
 * NULL when absent or not a string. */
char *h5_read_attr_str(hid_t obj, const char *name);

/* Creates an extendable 1-d dataset of `type` at `name` under loc. */
hid_t h5_create_extendable(hid_t loc, const char *name, hid_t type, hsize_t chunk);
/* Appends n elements of memory type `mtype` to an extendable 1-d dataset
 * holding `*len` elements; updates *len. Returns 0 or -1. */
int h5_append(hid_t ds, hid_t mtype, const void *data, hsize_t n, hsize_t *len);

/* Opens the HDF5 file path read-only and its top-level group `group`
 * (what: "SONATA spike file", ...). On failure returns SNN_EPARSE with a
 * diagnostic naming the file and the group, and leaves nothing open; on
 * success the caller closes *grp and *file. Call with HDF5's error printing
 * silenced (h5_quiet_begin). */
int h5_open_top_group(const char *path, const char *group, const char *what, hid_t *file,
		      hid_t *grp, snn_diag *d);

/* Whether path is an HDF5 file: its signature opens the file or, after a user
 * block, sits at offset 512, 1024, 2048, ... (where HDF5 itself looks). */
bool h5_is_hdf5(const char *path);

/* Checks that path can be opened for reading: SNN_OK, or SNN_EIO with
 * "cannot open: <reason>" located at path. */
int h5_check_readable(const char *path, snn_diag *d);

/*
 * Checked dataset reads, shared by every HDF5 reader. The helpers find what
 * is wrong and say which fault it is; each format words its own message (the
 * messages are part of each format's interface and are pinned by its tests).
 */
enum h5_fault {
	H5U_OK = 0,
	H5U_MISSING,	 /* no link of that name */
	H5U_GROUP,	 /* a group, not a dataset */
	H5U_NOT_DATASET, /* opens neither as a dataset nor as a group (damaged?) */
	H5U_HEADER,	 /* its type or dataspace cannot be read (damaged?) */
	H5U_TOO_LARGE,	 /* its elements do not fit in memory */
	H5U_NOMEM,	 /* out of memory */
	H5U_TRUNCATED,	 /* the values cannot be read (truncated, damaged, filter missing) */
};

/* An open dataset and what its header says. */
struct h5_dataset {
	hid_t ds, type, space; /* -1 when not open */
	H5T_class_t cls;       /* H5T_NO_CLASS when type < 0 */
	int rank;	       /* -1 when space < 0 */
	hsize_t dims[H5S_MAX_RANK];
	uint64_t n; /* elements (the product of dims, UINT64_MAX when it overflows) */
};

/* Opens dataset `name` of loc with its type and dataspace. Returns H5U_OK;
 * H5U_MISSING, H5U_GROUP or H5U_NOT_DATASET with nothing open; or H5U_HEADER
 * with the dataset open but its type or space (or both) -1. Close with
 * h5_dataset_close in every case. Call with HDF5's printing silenced. */
enum h5_fault h5_dataset_open(hid_t loc, const char *name, struct h5_dataset *x);
/* Reads every value of x as mem_type (esize bytes each) into a new array
 * (free with mem_free; never NULL on success, even when empty). Returns
 * H5U_OK, H5U_TOO_LARGE, H5U_NOMEM or H5U_TRUNCATED (*buf NULL). */
enum h5_fault h5_dataset_read(const struct h5_dataset *x, hid_t mem_type, size_t esize, void **buf);
/* Closes what h5_dataset_open opened; accepts a closed one. */
void h5_dataset_close(struct h5_dataset *x);

#endif
