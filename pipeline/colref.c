/* colref.c - resolving column references, with a did-you-mean. */
#include "colref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int colref_distance(const char *a, const char *b, int cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if ((la > lb ? la - lb : lb - la) > (size_t)cap)
        return cap + 1;
    int *row = malloc((lb + 1) * sizeof *row);
    if (!row)
        return cap + 1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    int d = row[lb];
    free(row);
    return d > cap ? cap + 1 : d;
}

int colref_resolve(const char *ref, char *const *names, int ncols, const char *where,
                   struct pcsv_error *err)
{
    int found = -1;
    for (int i = 0; i < ncols; i++) {
        if (strcmp(names[i], ref) != 0)
            continue;
        if (found >= 0) {
            /* Two columns by that name: picking one would be a silent
             * guess (SQL engines call it an ambiguous reference). */
            pcsv_error_set(err, PCSV_EUSAGE, 0, NULL, 0,
                           "column '%s' in %s is ambiguous: columns %d and %d are both named "
                           "'%s'; name it by its index",
                           ref, where, found + 1, i + 1, ref);
            return -1;
        }
        found = i;
    }
    if (found >= 0)
        return found;
    char *end;
    long idx = strtol(ref, &end, 10);
    if (*ref >= '0' && *ref <= '9' && *end == 0 && idx >= 1 && idx <= ncols)
        return (int)idx - 1;
    int best = -1, bestd = 3;
    for (int i = 0; i < ncols; i++) {
        int d = colref_distance(ref, names[i], 2);
        if (d < bestd) {
            bestd = d;
            best = i;
        }
    }
    char hint[600] = "";
    if (best >= 0)
        snprintf(hint, sizeof hint, " (did you mean '%s'?)", names[best]);
    char list[700];
    size_t o = 0;
    list[0] = 0;
    for (int i = 0; i < ncols && o + 8 < sizeof list; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", names[i]);
    if (o >= sizeof list - 8)
        snprintf(list + sizeof list - 8, 8, ", ...");
    pcsv_error_set(err, PCSV_EUSAGE, 0, NULL, 0, "unknown column '%s' in %s%s\n  columns: %s", ref,
                   where, hint, ncols ? list : "none (the input is empty)");
    return -1;
}
