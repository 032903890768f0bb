/* partials.h - the end of a grouping run, shared by aggregate, count
 * --partial and merge: the groups as a table, a bare count or a partial
 * state; and a partial's meta filled from the options and the inputs. */
#ifndef PCSV_CMD_PARTIALS_H
#define PCSV_CMD_PARTIALS_H

#include "../pipeline/aggradix.h"
#include "../pipeline/partial.h"
#include "../pipeline/range.h"
#include "cmd.h"

/* The groups of parts[0, *nparts) (and radix's partitions) to out: the
 * partial meta says (its meta, groups, end), else the result table, or
 * with count the bare number of `pcsv count`. *nparts may change (the
 * combine step); the caller still destroys parts[0, *nparts). */
int groups_out(const struct agg_plan *plan, struct aggradix *radix, struct agg_part **parts,
               int *nparts, const struct partial_meta *meta, bool count, struct outsink *out,
               struct pcsv_error *err);

/* The query and header part of a partial's meta, fingerprinted. */
int meta_init(struct partial_meta *m, const struct pcsv_opts *o, enum partial_kind kind,
              char *const *names, int ncols, const struct agg_plan *plan, struct pcsv_error *err);

/* The sources of a run over ins (rf: its --range, or NULL; data_begin[i]:
 * where input i's rows begin, before a range moved it) and the bad rows
 * p dropped (p may be NULL). */
int meta_add_inputs(struct partial_meta *m, const struct pcsv_opts *o, const struct inputs *ins,
                    const struct range_facts *rf, const uint64_t *data_begin, struct pipeline *p,
                    struct pcsv_error *err);

/* The identity hash of a file's bytes d[0, size): XXH64 of its first and
 * last 64 KiB. */
uint64_t file_fingerprint(const uint8_t *d, size_t size);

/* "pcsv: spilled X to DIR (--memory-limit Y)" on stderr when radix
 * spilled (and not quiet). */
void report_spill(const struct aggradix *radix, size_t limit, bool quiet);

/* The default --memory-limit: half of the memory this process may use
 * (physical, cgroup, half of ulimit -v). */
size_t default_memory_limit(void);

#endif
