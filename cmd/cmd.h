/* cmd.h - what the command files share: parsed options, input opening,
 * error display and exit codes. Only cmd/ prints or exits. */
#ifndef PCSV_CMD_H
#define PCSV_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../io/outsink.h"
#include "../io/status.h"
#include "../pipeline/pipeline.h"

#define PCSV_VERSION "0.1.0"

enum { EXIT_OK = 0, EXIT_DATA = 1, EXIT_USAGE = 2 };

struct pcsv_opts {
    const char *command;
    int jobs;
    unsigned char delim, quote;
    bool header;
    const char *output;
    enum out_format format;
    const char *where;   /* every --where, joined: (A) and (B) ... */
    const char **wheres; /* each --where as given */
    int nwheres;
    enum pipeline_bad_mode bad_mode;
    const char *rejects;
    size_t chunk_size;
    bool quiet;
    const char *by, *agg, *sort; /* --by and --agg: every one given, joined with ',' */
    bool partial;
    bool has_range;                  /* --range START:END */
    uint64_t range_start, range_end; /* range_end UINT64_MAX: to the end */
    int range_state;                 /* --range-state: -1 guess, 0 unquoted, 1 quoted */
    int file_index;                  /* --file-index, 1-based */
    size_t memory_limit; /* --memory-limit, bytes; 0: the default (half of what is available) */
    const char *tmpdir;
    bool ref_parser;    /* --parser libcsv */
    const char *select; /* filter --select (every one, joined with ','), select's COLS */
    long long head_n;   /* head -n */
    bool has_limit;     /* --limit N: only the first limit output rows */
    uint64_t limit;
    /* --max-bad-rows N or P%: fail past N bad rows, or past P% of the data
     * rows (bad_pct: P in millionths of a percent) */
    bool has_max_bad, max_bad_is_pct;
    uint64_t max_bad, max_bad_pct;
    int progress; /* 1 --progress, 0 --no-progress, -1 default */
    char **files;
    int nfiles;
};

/* argv (after the command word) -> opts. Prints help/usage itself:
 * returns -1 to exit 0 (help shown), 0 to go on, or EXIT_USAGE. */
int opts_parse(struct pcsv_opts *o, const char *command, int argc, char **argv);

/* Print "pcsv: ..." for err; returns the exit status for its code. */
int report_error(const struct pcsv_error *err);
/* A line report_error prints after every error from now on ("  hint:
 * ..."; NULL: none): inputs_open sets it when the header looks read with
 * the wrong delimiter, the likely cause of whatever fails next. */
void display_input_hint(const char *hint);
/* Print a usage error and "Try 'pcsv --help'."; returns EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The inputs of a run: every FILE (or standard input) opened and mapped,
 * with the same header. */
struct inputs {
    struct source *in;
    int n;
};
int inputs_open(struct inputs *ins, const struct pcsv_opts *o, struct pcsv_error *err);
void inputs_close(struct inputs *ins);
/* Run the pipeline over every input in order. 0 or the first error. */
int inputs_run(struct pipeline *p, struct inputs *ins, struct pcsv_error *err);

struct expr;
/* Compile o->where (every --where: each is checked alone first, so that an
 * error names which one and points into it). NULL with err set. */
struct expr *where_compile(const struct pcsv_opts *o, char *const *names, int ncols,
                           struct pcsv_error *err);
/* --where: compile o->where against the inputs' header (*where stays NULL
 * without one) and give each of its columns, in expr_columns order, the
 * selection slot slot_of(ctx, col) says: *wslots, for pipeline_cfg.where_slots.
 * 0, or the error code (usage error in the expression, ENOMEM). */
int where_open(const struct pcsv_opts *o, const struct inputs *ins, int (*slot_of)(void *, int),
               void *ctx, struct expr **where, int **wslots, struct pcsv_error *err);

/* The pipeline configuration the options ask for. */
struct pipeline_cfg opts_pipe_cfg(const struct pcsv_opts *o);

/* Progress on stderr while p runs over ins (per --progress / a terminal):
 * start before the run, stop (clears the line) after it. */
struct progress;
struct progress *progress_start(const struct pcsv_opts *o, struct pipeline *p,
                                const struct inputs *ins);
void progress_stop(struct progress *g);

/* Print the summary (and, in warn mode, the warnings) of the dropped rows
 * b[0, n) of total, in input order; b[i].file indexes paths; a line of 0
 * is unknown (the row's byte offset is shown). */
void report_bad_list(const struct badrow *b, size_t n, uint64_t total, const char *const *paths,
                     char *const *names, int ncols, enum pipeline_bad_mode mode);
/* --max-bad-rows: 0 when the run's bad rows are within the budget (or
 * there is none), else the error (err set, PCSV_EDATA). */
int check_bad_budget(struct pipeline *p, const struct inputs *ins, const struct pcsv_opts *o,
                     struct pcsv_error *err);
/* Print the summary (and warnings) of dropped bad rows. */
void report_bad_rows(struct pipeline *p, const struct inputs *ins, const struct pcsv_opts *o);

/* The end of a successful run of any command that reads rows: make the
 * result (out) and the --rejects file (the pipeline's, when asked for:
 * opts_pipe_cfg passes --rejects to pipeline_create) complete, rename both
 * into place, then print the bad-row summary (report_bad_rows). Frees out
 * (on failure too; p may be NULL). A failure leaves every existing file as it
 * was and no temporary file behind. 0 or the error (err set). A new command
 * gets --rejects by building its pipeline from opts_pipe_cfg(o) and ending
 * with this instead of outsink_commit. */
int finish_run(struct outsink *out, struct pipeline *p, const struct inputs *ins,
               const struct pcsv_opts *o, struct pcsv_error *err);

int cmd_aggregate(struct pcsv_opts *o);
int cmd_count(struct pcsv_opts *o);
int cmd_headers(struct pcsv_opts *o);
int cmd_filter(struct pcsv_opts *o);
int cmd_select(struct pcsv_opts *o);
int cmd_head(struct pcsv_opts *o);
int cmd_stats(struct pcsv_opts *o);
int cmd_merge(struct pcsv_opts *o);
int cmd_dump(struct pcsv_opts *o);

#endif
