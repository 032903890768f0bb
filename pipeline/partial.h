/* partial.h - partial states: an aggregate (or count) of part of the
 * input, written by --partial, combined by merge (SPEC section 6).
 *
 * A partial is the query, the header, where its rows came from, and its
 * groups' states in the one encoding spill runs use (aggstate.h), so a
 * merge decodes it exactly as a spilled partition is decoded.
 *
 * File layout (integers little-endian):
 *   "PCSVPART"  u32 version (1)  u32 0
 *   section*    u8 type, then one checksummed zstd block of its raw bytes
 *               (io/spillfile.h's block: lengths, XXH64 of the raw bytes,
 *               a header checksum)
 *   sections    one M (meta, fields in partial.c's meta_put), any number
 *               of G (groups: one aggstate block each), one E (raw bytes:
 *               u64 number of G sections); nothing after E.
 * A reader refuses a newer version by name; a corrupt or truncated file
 * is an error naming the byte offset where it went wrong, never a crash.
 *
 * Threading: one thread per reader or writer.
 */
#ifndef PCSV_PARTIAL_H
#define PCSV_PARTIAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../io/outsink.h"
#include "../io/status.h"
#include "agg.h"
#include "aggstate.h"
#include "badrow.h"

#define PARTIAL_VERSION 1

enum partial_kind { PARTIAL_AGGREGATE = 1, PARTIAL_COUNT = 2 };

/* One input a partial read, or the part of it in a --range. */
struct partial_source {
    char *path;    /* as given on the command line */
    uint32_t file; /* its place among the run's FILEs, 0-based (--file-index - 1) */
    bool stream;   /* standard input or compressed: no identity, no range */
    /* identity of a file: size, modification time, XXH64 of its first and
     * last 64 KiB */
    uint64_t size, mtime_ns, hash;
    uint64_t data_begin; /* where rows begin (after the header) */
    bool ranged;         /* a --range (else the whole file) */
    uint64_t start, end; /* the range (whole file: 0, size) */
    bool exact;          /* start_quoted known, not guessed */
    bool start_quoted, end_quoted;
    uint64_t r0;        /* the first row start in the range */
    uint64_t lines_pre; /* line ends in [start, r0) */
    uint64_t lines;     /* line ends in [start, end) */
};

struct partial_meta {
    uint32_t version;
    enum partial_kind kind;
    uint8_t delim, quote, bad_mode;
    bool header;
    char *by, *agg; /* as given; NULL: none */
    int nwheres;
    char **wheres;
    int ncols;
    char **names;
    uint64_t query_fp, header_fp;
    int nsrc;
    struct partial_source *src;
    /* bad rows dropped (skip/warn): how many, and the first ones in input
     * order; a ranged source's lines count from its r0 (line 1) */
    uint64_t bad_total;
    size_t nbad;
    struct badrow bad[BADROW_KEEP]; /* .file: index into src */
};

void partial_meta_free(struct partial_meta *m);

/* The fingerprints of m's query (kind, dialect, bad-row mode, --where and
 * the plan's keys and result columns) and of its header. */
void partial_fingerprint(struct partial_meta *m, const struct agg_plan *plan);

/* Writing, to a sink opened in any format (bytes go as they are). */
int partial_write_meta(struct outsink *o, const struct partial_meta *m, struct pcsv_error *err);
/* The groups of a partial, written in one canonical order whatever the
 * --jobs, chunks and memory limit: by hash partition (aggstate_partition
 * of PARTIAL_NPARTS, the radix partitions' own), each sorted by key bytes,
 * one G section cut after a partition once it holds 8 MiB. Successive
 * calls of partial_write_groups must give later partitions (the radix
 * path gives one partition a call; the in-memory path every group at
 * once). parts are disjoint; their column facts are unified first. */
#define PARTIAL_NPARTS 256
struct partial_groups {
    struct outsink *o;
    struct pcsv_error *err; /* for callbacks that carry only w */
    struct aggstate_buf cur;
    uint64_t nsec;
};
int partial_write_groups(struct partial_groups *w, struct agg_part *const *parts, int n,
                         struct pcsv_error *err);
/* The last G section and the E section; frees w's buffer. */
int partial_write_end(struct partial_groups *w, struct pcsv_error *err);

/* Reading from f (path names it in errors). Open reads the head and the
 * meta into *m (which the caller frees). NULL with err set: PCSV_EDATA
 * (not a partial, corrupt, truncated, a newer version), PCSV_EIO,
 * PCSV_ENOMEM. */
struct partial_reader;
struct partial_reader *partial_reader_open(FILE *f, const char *path, struct partial_meta *m,
                                           struct pcsv_error *err);
/* The next G section merged into a (made from m's plan): 1, 0 at the end
 * (E read, nothing after it), or minus an error code (err set). */
int partial_reader_groups(struct partial_reader *r, struct agg_part *a, struct pcsv_error *err);
void partial_reader_close(struct partial_reader *r);

#endif
