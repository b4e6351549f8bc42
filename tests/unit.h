/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal test runner: each test is a function; CHECK() ends the current
 * test with a reason at the first failure (longjmp back to the runner).
 */
#ifndef _UNIT_H
#define _UNIT_H

#include <stdint.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct unit_test {
	const char *name;
	void (*fn)(void);
};

extern const struct unit_test kshim_tests[];
extern const unsigned int kshim_ntests;
extern const struct unit_test portalloc_tests[];
extern const unsigned int portalloc_ntests;
extern const struct unit_test prefix_tests[];
extern const unsigned int prefix_ntests;
extern const struct unit_test race_tests[];
extern const unsigned int race_ntests;
extern const struct unit_test tcptrack_tests[];
extern const unsigned int tcptrack_ntests;
extern const struct unit_test utils_tests[];
extern const unsigned int utils_ntests;

void unit_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

#define CHECK(cond, ...) do {						\
	if (!(cond))							\
		unit_fail(__FILE__, __LINE__, __VA_ARGS__);		\
} while (0)

/* splitmix64: small, fast, and the same sequence on every machine */
static inline uint64_t prng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0 (the bias is far below what the tests can see) */
static inline uint32_t prng_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((prng_next(s) >> 32) * n) >> 32);
}

#endif /* _UNIT_H */
