/*
 * A reader of NumPy .npy files (version 1 and 2, little-endian f4, f8, i8,
 * i4, C order) for tests that compare against arrays other tools saved.
 * Layer: tests.
 */
#ifndef SNN_TESTS_NPY_H
#define SNN_TESTS_NPY_H

#include <stddef.h>

/* Reads the file into doubles; shape in dims (up to 8), rank in *nd. Returns
 * NULL when the file is missing or not a supported .npy. */
double *npy_read(const char *path, size_t *dims, int *nd, size_t *n);

#endif
