/*
 * Hot loops built for several instruction sets. Including this header turns
 * on GCC's vectorizer with its dynamic cost model for the functions that
 * follow (GCC's -O2 vectorizes only the cheapest loops; floating-point
 * operations may run for lanes that discard them, as nothing here reads the
 * exception flags; no sinking of a computation into the branch that uses
 * it, which would keep the loop from vectorizing), and SIMD_CLONES
 * builds a function for AVX-512, AVX2 and plain x86-64, the best one the
 * processor has being picked when the program loads.
 * Layer: sim core, internal. Only integer arithmetic and IEEE operations
 * without contraction (-ffp-contract=off) may go into such loops, so that
 * every variant gives the same bits.
 */
#ifndef SNN_SIMD_INT_H
#define SNN_SIMD_INT_H

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic", "no-trapping-math", \
		     "no-tree-sink")
#endif

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(HAVE_TARGET_CLONES)
#define SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SIMD_CLONES
#endif

#endif
