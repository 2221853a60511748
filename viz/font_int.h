/*
 * The built-in bitmap font's glyph table (see font.c).
 * Layer: libsnn (viz support), internal.
 */
#ifndef SNN_FONT_INT_H
#define SNN_FONT_INT_H

#include <stdint.h>

/* The 8 rows of a character's 5-pixel-wide glyph ('?' for bytes outside
 * printable ASCII). */
const uint8_t *font_glyph(unsigned char c);

#endif
