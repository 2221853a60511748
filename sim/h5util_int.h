/*
 * Small helpers over the HDF5 C API: quiet error stacks, string and number
 * attributes, reproducible (timestamp-free) creation properties.
 * Layer: sim core, internal. The only code besides the format modules that
 * includes hdf5.h.
 */
#ifndef SNN_H5UTIL_INT_H
#define SNN_H5UTIL_INT_H

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

#endif
