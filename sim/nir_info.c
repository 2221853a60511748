/*
 * What a network remembers of the NIR graph it was loaded from (nir_int.h):
 * shapes and the lifetime of struct nir_info, which the IR owns and frees.
 * Layer: sim core (IR level). Knows no file format and calls no loader.
 */
#include "config.h"

#include <stdio.h>

#include "mem_int.h"
#include "nir_int.h"

uint64_t nir_shape_size(const struct nir_shape *s)
{
	uint64_t n = 1;
	for (uint32_t i = 0; i < s->nd; i++) {
		n *= s->d[i];
	}
	return n;
}

void nir_shape_format(const struct nir_shape *s, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "[");
	for (uint32_t i = 0; i < s->nd && used < len; i++) {
		used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? " " : "", s->d[i]);
	}
	if (used < len) {
		snprintf(buf + used, len - used, "]");
	}
}

void nir_info_free(struct nir_info *I)
{
	if (!I) {
		return;
	}
	free(I->version);
	free(I->file_sha256);
	for (uint32_t i = 0; i < I->n_nodes; i++) {
		free(I->nodes[i].path);
		free(I->nodes[i].name);
		free(I->nodes[i].type);
		free(I->nodes[i].params);
	}
	free(I->nodes);
	for (uint32_t i = 0; i < I->n_edges; i++) {
		free(I->edges[i]);
	}
	free(I->edges);
	for (uint32_t i = 0; i < I->n_assumed; i++) {
		free(I->assumed[i]);
	}
	free(I->assumed);
	for (uint32_t i = 0; i < I->n_inputs; i++) {
		free(I->inputs[i].name);
	}
	free(I->inputs);
	for (uint32_t i = 0; i < I->n_outputs; i++) {
		free(I->outputs[i].name);
	}
	free(I->outputs);
	free(I);
}
