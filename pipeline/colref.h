/* colref.h - naming columns on the command line: header names, 1-based
 * indexes, and the "did you mean" for a name that matches nothing.
 *
 * A reference is a header name (exact, case-sensitive) or, when no header
 * column has that name, a 1-based index. Lists are comma-separated. A name
 * that several columns share is ambiguous (a usage error): such columns,
 * like columns with an empty name, are named by index.
 *
 * Threading: pure functions.
 */
#ifndef PCSV_COLREF_H
#define PCSV_COLREF_H

#include "../io/status.h"

/* The 0-based column that ref names, or -1 with err filled (PCSV_EUSAGE:
 * "unknown column 'ref' in WHERE (did you mean 'x'?)" plus the list of
 * columns on a second line; or, when two header columns have the name ref,
 * "ambiguous", naming both indexes). where is e.g. "--agg". */
int colref_resolve(const char *ref, char *const *names, int ncols, const char *where,
                   struct pcsv_error *err);

/* Levenshtein distance, capped at cap + 1 (for did-you-mean). */
int colref_distance(const char *a, const char *b, int cap);

#endif
