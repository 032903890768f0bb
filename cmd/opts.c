/* opts.c - the command line: argv -> struct pcsv_opts, and the help text. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "optdef.h"

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || *s == '-')
        return -1;
    unsigned long long mul = 1;
    if (*end) {
        switch (*end) {
        case 'k':
        case 'K': mul = 1ULL << 10; break;
        case 'm':
        case 'M': mul = 1ULL << 20; break;
        case 'g':
        case 'G': mul = 1ULL << 30; break;
        default: return -1;
        }
        end++;
        if (*end == 'B' || *end == 'b' || *end == 'i')
            end += (*end == 'i' && (end[1] == 'B' || end[1] == 'b')) ? 2 : 1;
        if (*end)
            return -1;
    }
    if (v == 0 || v > ((1ULL << 40) / mul)) /* at most 1 TiB: sizes stay far from wrapping */
        return -1;
    *out = (size_t)(v * mul);
    return 0;
}

static int parse_byte(const char *s, unsigned char *out)
{
    if (strcmp(s, "\\t") == 0 || strcmp(s, "tab") == 0) {
        *out = '\t';
        return 0;
    }
    if (strlen(s) != 1 || s[0] == '\n' || s[0] == '\r' || s[0] == 0)
        return -1;
    *out = (unsigned char)s[0];
    return 0;
}

enum {
    O_QUOTE = 256,
    O_FORMAT,
    O_WHERE,
    O_BAD,
    O_REJECTS,
    O_CHUNK,
    O_MEMLIMIT,
    O_PROGRESS,
    O_NOPROGRESS,
    O_BY,
    O_AGG,
    O_SORT,
    O_PARTIAL,
    O_PARSER,
    O_VERSION,
    O_TMPDIR,
    O_RANGE,
    O_RANGE_STATE,
    O_FILE_INDEX,
    O_SELECT,
    O_LEVEL,
    O_LIMIT,
    O_MAX_BAD,
};

/* THE table of options: which command takes which. A command given an
 * option it does not take stops with a usage error naming both; nothing is
 * silently ignored (SPEC section 2). The execution options (--jobs,
 * --chunk-size) and the display ones (-q, --progress, --no-progress) never
 * change a result and SPEC lists them as shared: every command takes them.
 * The getopt tables, the help of each command, pcsv --list-options (the man
 * page test, the bash completion) and the did-you-mean are built from this
 * one: a new option is one entry here and its case in opts_parse. */
const struct opt_def opt_table[] = {
    {"jobs", 'j', 1, 'j', C_ALL | C_MERGE, R_ONCE, "N",
     "worker threads (default: online CPUs; 1 = serial)"},
    {"delimiter", 'd', 1, 'd', C_ALL, R_ONCE, "C",
     "field delimiter, one byte ('\\t' or 'tab' for tab)"},
    {"tsv", 't', 0, 't', C_ALL, R_ONCE, NULL, "tab-separated input (-d tab)"},
    {"quote", 0, 1, O_QUOTE, C_ALL, R_ONCE, "C", "quote byte (default \")"},
    {"no-header", 'H', 0, 'H', C_ALL, R_ONCE, NULL,
     "the first row is data; columns are named 1, 2, ..."},
    {"output", 'o', 1, 'o', C_ALL | C_MERGE, R_ONCE, "FILE",
     "write the result to FILE, atomically (FILE.zst: zstd)"},
    /* and only with -o FILE.zst */
    {"compress-level", 0, 1, O_LEVEL, C_ALL | C_MERGE, R_ONCE, "N",
     "zstd level 1-19 for -o FILE.zst (default 3)"},
    {"format", 0, 1, O_FORMAT, C_TABLE | C_MERGE, R_ONCE, "csv|tsv|jsonl|table",
     "output format (default csv)"},
    {"where", 0, 1, O_WHERE, C_READ_ROWS, R_WHERE, "EXPR",
     "keep only rows for which EXPR is true (pcsv help where)"},
    {"on-bad-row", 0, 1, O_BAD, C_READ_ROWS, R_ONCE, "fail|skip|warn",
     "what a bad row does (default fail: stop, exit 1)"},
    {"rejects", 0, 1, O_REJECTS, C_READ_ROWS, R_ONCE, "FILE",
     "keep every dropped row in FILE (CSV; alone: skip)"},
    {"chunk-size", 0, 1, O_CHUNK, C_ALL, R_ONCE, "SIZE", "bytes per work unit, e.g. 256K, 8M"},
    {"progress", 0, 0, O_PROGRESS, C_ALL, R_ONCE, NULL,
     "progress on stderr (default: when it is a terminal)"},
    {"no-progress", 0, 0, O_NOPROGRESS, C_ALL, R_ONCE, NULL, "no progress display"},
    {"quiet", 'q', 0, 'q', C_ALL | C_MERGE | C_DUMP, R_ONCE, NULL,
     "no warnings or summaries on stderr"},
    {"by", 0, 1, O_BY, C_AGGREGATE, R_LIST, "COLS",
     "key columns (names or 1-based indexes) or NAME=EXPR computed keys"},
    {"agg", 0, 1, O_AGG, C_AGGREGATE, R_LIST, "SPECS",
     "aggregates, comma-separated, NAME=SPEC names one (default count)"},
    {"sort", 0, 1, O_SORT, C_AGGREGATE | C_MERGE, R_ONCE, "COL[:asc|:desc]",
     "order by any output column (ties: key order)"},
    {"parser", 0, 1, O_PARSER, C_AGGREGATE | C_COUNT, R_ONCE, "fast|libcsv",
     "libcsv: the serial reference parser (cross-check)"},
    {"select", 0, 1, O_SELECT, C_FILTER | C_SELECT | C_HEAD, R_LIST, "COLS",
     "print only these columns (names, 2-5, !C)"},
    {NULL, 'n', 1, 'n', C_HEAD, R_ONCE, "N", "how many rows (default 10)"},
    {"memory-limit", 0, 1, O_MEMLIMIT, C_AGGREGATE | C_MERGE, R_ONCE, "SIZE",
     "past SIZE the group table spills to temporary files"},
    {"tmpdir", 0, 1, O_TMPDIR, C_AGGREGATE | C_MERGE, R_ONCE, "DIR",
     "where spilled files go (default $TMPDIR or /tmp)"},
    {"partial", 0, 0, O_PARTIAL, C_AGGREGATE | C_COUNT | C_MERGE, R_ONCE, NULL,
     "write a partial state for pcsv merge (binary)"},
    {"range", 0, 1, O_RANGE, C_AGGREGATE | C_COUNT, R_ONCE, "START:END",
     "only the rows that begin in these bytes of FILE"},
    {"range-state", 0, 1, O_RANGE_STATE, C_AGGREGATE | C_COUNT, R_ONCE, "quoted|unquoted",
     "the quote state at START (default: guessed)"},
    {"file-index", 0, 1, O_FILE_INDEX, C_AGGREGATE | C_COUNT, R_ONCE, "N",
     "FILE is the N-th file of the whole run (first/last)"},
    {"limit", 0, 1, O_LIMIT, C_AGGREGATE | C_MERGE, R_ONCE, "N",
     "only the first N output rows, after sorting (top N)"},
    {"max-bad-rows", 0, 1, O_MAX_BAD, C_READ_ROWS, R_ONCE, "N|P%",
     "with skip/warn: exit 1 past N bad rows (or P% of the rows)"},
    {"help", 'h', 0, 'h', C_ALL | C_MERGE | C_DUMP, R_ONCE, NULL, "this help"},
    {"version", 0, 0, O_VERSION, C_ALL | C_MERGE | C_DUMP, R_ONCE, NULL, "print the version"},
};
#define NOPTS (sizeof opt_table / sizeof opt_table[0])
const size_t opt_count = NOPTS;

static struct option longopts[NOPTS + 1];
static char shortopts[2 * NOPTS + 2];

static void build_getopt_tables(void)
{
    size_t nl = 0, ns = 0;
    shortopts[ns++] = ':';
    for (size_t i = 0; i < NOPTS; i++) {
        const struct opt_def *d = &opt_table[i];
        if (d->name)
            longopts[nl++] = (struct option){d->name, d->has_arg ? required_argument : no_argument,
                                             0, d->id};
        if (d->shortc) {
            shortopts[ns++] = (char)d->shortc;
            if (d->has_arg)
                shortopts[ns++] = ':';
        }
    }
    longopts[nl] = (struct option){0, 0, 0, 0};
    shortopts[ns] = 0;
}

static const struct opt_def *opt_by_id(int id)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (opt_table[i].id == id)
            return &opt_table[i];
    return NULL;
}

/* "--name", or "-n" for a short-only option */
static const char *opt_display(const struct opt_def *d)
{
    static char buf[40];
    if (d->name)
        snprintf(buf, sizeof buf, "--%s", d->name);
    else
        snprintf(buf, sizeof buf, "-%c", d->shortc);
    return buf;
}

/* Given twice: the values of the options that take one value, as text in a
 * canonical form (-t and -d tab are both "\t"), per opt_table index. */
static const char *given[NOPTS];
static char given_buf[NOPTS][48];

/* Record the value of d (canon: stable text, or NULL to copy buf); a usage
 * error when it was given before with another value. */
static int once(const struct opt_def *d, const char *canon)
{
    size_t i = (size_t)(d - opt_table);
    if (given[i]) {
        if (strcmp(given[i], canon) == 0)
            return 0;
        return usage_error("%s given twice with different values", opt_display(d));
    }
    snprintf(given_buf[i], sizeof given_buf[i], "%s", canon);
    given[i] = strlen(canon) < sizeof given_buf[i] ? given_buf[i] : canon;
    return 0;
}

/* The values of the list options, added up (kept reachable: static). */
static char *list_by, *list_agg, *list_select, *list_where;
static const char **where_parts;
static int nwhere_parts;

/* *acc, then sep, then pre, add and post (only pre, add and post the first
 * time): the new *acc. */
static const char *add_up(char **acc, const char *sep, const char *pre, const char *add,
                          const char *post)
{
    const char *prev = *acc ? *acc : "";
    if (!*acc)
        sep = "";
    size_t n = strlen(prev) + strlen(sep) + strlen(pre) + strlen(add) + strlen(post) + 1;
    char *s = malloc(n);
    if (!s) {
        fputs("pcsv: out of memory\n", stderr);
        exit(1);
    }
    snprintf(s, n, "%s%s%s%s%s", prev, sep, pre, add, post);
    free(*acc);
    *acc = s;
    return s;
}

int opts_parse(struct pcsv_opts *o, const char *command, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->command = command;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    o->jobs = n > 0 ? (int)n : 1;
    o->delim = ',';
    o->quote = '"';
    o->header = true;
    o->format = OUT_CSV;
    o->bad_mode = PIPELINE_FAIL;
    o->chunk_size = 512 * 1024;
    o->head_n = 10;
    o->progress = -1; /* default: when stderr is a terminal */
    o->range_state = -1;
    o->file_index = 1;
    build_getopt_tables();
    memset(given, 0, sizeof given);
    free(list_by), free(list_agg), free(list_select), free(list_where);
    list_by = list_agg = list_select = list_where = NULL;
    free(where_parts);
    where_parts = NULL;
    nwhere_parts = 0;
    unsigned cmdbit = command_bit(command);
    opterr = 0;
    optind = 1;
    bool bad_given = false;
    int level = 0;
    int c;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        const struct opt_def *d = opt_by_id(c);
        char canon[48];
        int rc = 0;
        if (d) {
            if (d->cmds == C_LATER)
                return usage_error("%s is not supported by this version yet", opt_display(d));
            /* "" is pcsv --help / --version, before any command */
            if (cmdbit && !(d->cmds & cmdbit))
                return usage_not_taken(command, d);
        }
        switch (c) {
        case 'j': {
            char *end;
            long j = strtol(optarg, &end, 10);
            if (*end || j < 1 || j > 1024)
                return usage_error("--jobs takes a number from 1 to 1024, not '%s'", optarg);
            o->jobs = (int)j;
            snprintf(canon, sizeof canon, "%ld", j);
            rc = once(d, canon);
            break;
        }
        case 'd':
        case 't':
            if (c == 'd' && parse_byte(optarg, &o->delim))
                return usage_error("--delimiter takes one byte (or '\\t'), not '%s'", optarg);
            if (c == 't')
                o->delim = '\t';
            snprintf(canon, sizeof canon, "%c", o->delim);
            rc = once(opt_by_id('d'), canon); /* -t is -d tab */
            break;
        case O_QUOTE:
            if (parse_byte(optarg, &o->quote))
                return usage_error("--quote takes one byte, not '%s'", optarg);
            snprintf(canon, sizeof canon, "%c", o->quote);
            rc = once(d, canon);
            break;
        case 'H': o->header = false; break;
        case 'o':
            o->output = optarg;
            rc = once(d, optarg);
            break;
        case O_FORMAT:
            if (strcmp(optarg, "csv") == 0)
                o->format = OUT_CSV;
            else if (strcmp(optarg, "tsv") == 0)
                o->format = OUT_TSV;
            else if (strcmp(optarg, "jsonl") == 0)
                o->format = OUT_JSONL;
            else if (strcmp(optarg, "table") == 0)
                o->format = OUT_TABLE;
            else
                return usage_error("--format takes csv, tsv, jsonl or table, not '%s'", optarg);
            rc = once(d, optarg);
            break;
        case O_WHERE: {
            const char **w = realloc(where_parts, ((size_t)nwhere_parts + 1) * sizeof *w);
            if (!w)
                return usage_error("out of memory");
            where_parts = w;
            where_parts[nwhere_parts++] = optarg;
            /* repeated conditions must all hold; one stays as typed (the
             * error columns of --where point into it) */
            if (nwhere_parts == 2)
                add_up(&list_where, "", "(", where_parts[0], ")");
            o->where = nwhere_parts == 1 ? optarg : add_up(&list_where, " and ", "(", optarg, ")");
            break;
        }
        case O_BAD:
            bad_given = true;
            if (strcmp(optarg, "fail") == 0)
                o->bad_mode = PIPELINE_FAIL;
            else if (strcmp(optarg, "skip") == 0)
                o->bad_mode = PIPELINE_SKIP;
            else if (strcmp(optarg, "warn") == 0)
                o->bad_mode = PIPELINE_WARN;
            else
                return usage_error("--on-bad-row takes fail, skip or warn, not '%s'", optarg);
            rc = once(d, optarg);
            break;
        case O_REJECTS:
            o->rejects = optarg;
            rc = once(d, optarg);
            break;
        case O_CHUNK:
            if (parse_size(optarg, &o->chunk_size))
                return usage_error("--chunk-size takes a size like 65536, 256K or 8M, not '%s'",
                                   optarg);
            snprintf(canon, sizeof canon, "%zu", o->chunk_size);
            rc = once(d, canon);
            break;
        case O_PROGRESS:
        case O_NOPROGRESS:
            if (o->progress == (c == O_PROGRESS ? 0 : 1))
                return usage_error("--progress and --no-progress both given");
            o->progress = c == O_PROGRESS;
            break;
        case 'q': o->quiet = true; break;
        case O_SELECT: o->select = add_up(&list_select, ",", "", optarg, ""); break;
        case O_LEVEL: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 19)
                return usage_error("--compress-level takes 1 to 19, not '%s'", optarg);
            level = (int)v;
            snprintf(canon, sizeof canon, "%ld", v);
            rc = once(d, canon);
            break;
        }
        case 'n': {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (*end || v < 0)
                return usage_error("-n takes a number of rows, not '%s'", optarg);
            o->head_n = v;
            snprintf(canon, sizeof canon, "%lld", v);
            rc = once(d, canon);
            break;
        }
        case O_MEMLIMIT:
            if (parse_size(optarg, &o->memory_limit) || o->memory_limit == 0)
                return usage_error("--memory-limit takes a size like 512M or 4G, not '%s'", optarg);
            snprintf(canon, sizeof canon, "%zu", o->memory_limit);
            rc = once(d, canon);
            break;
        case O_TMPDIR: {
            struct stat st;
            if (!*optarg)
                return usage_error("--tmpdir needs a directory name");
            if (stat(optarg, &st) != 0 || (!S_ISDIR(st.st_mode) && (errno = ENOTDIR)) ||
                access(optarg, W_OK | X_OK) != 0)
                return usage_error("--tmpdir %s: %s", optarg, strerror(errno));
            o->tmpdir = optarg;
            rc = once(d, optarg);
            break;
        }
        case O_BY: o->by = add_up(&list_by, ",", "", optarg, ""); break;
        case O_AGG: o->agg = add_up(&list_agg, ",", "", optarg, ""); break;
        case O_SORT:
            o->sort = optarg;
            rc = once(d, optarg);
            break;
        case O_PARSER:
            if (strcmp(optarg, "libcsv") == 0)
                o->ref_parser = true;
            else if (strcmp(optarg, "fast") != 0)
                return usage_error("--parser takes fast or libcsv, not '%s'", optarg);
            rc = once(d, optarg);
            break;
        case O_PARTIAL: o->partial = true; break;
        case O_RANGE: {
            const char *colon = strchr(optarg, ':');
            size_t v;
            char a[48];
            if (!colon || (size_t)(colon - optarg) >= sizeof a)
                return usage_error("--range takes START:END (byte offsets), not '%s'", optarg);
            snprintf(a, sizeof a, "%.*s", (int)(colon - optarg), optarg);
            if (strcmp(a, "0") == 0)
                o->range_start = 0;
            else if (parse_size(a, &v))
                return usage_error("--range takes START:END (byte offsets), not '%s'", optarg);
            else
                o->range_start = v;
            o->range_end = UINT64_MAX;
            if (colon[1] && strcmp(colon + 1, "0") == 0)
                v = 0;
            else if (colon[1] && parse_size(colon + 1, &v))
                return usage_error("--range takes START:END (byte offsets), not '%s'", optarg);
            if (colon[1])
                o->range_end = v;
            if (o->range_end < o->range_start)
                return usage_error("--range %s ends before it starts", optarg);
            o->has_range = true;
            rc = once(d, optarg);
            break;
        }
        case O_RANGE_STATE:
            if (strcmp(optarg, "quoted") != 0 && strcmp(optarg, "unquoted") != 0)
                return usage_error("--range-state takes quoted or unquoted, not '%s'", optarg);
            o->range_state = strcmp(optarg, "quoted") == 0;
            rc = once(d, optarg);
            break;
        case O_FILE_INDEX: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 65535)
                return usage_error("--file-index takes a number from 1 to 65535, not '%s'", optarg);
            o->file_index = (int)v;
            rc = once(d, optarg);
            break;
        }
        case O_LIMIT: {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (end == optarg || *end || errno || optarg[0] == '-' || optarg[0] == '+')
                return usage_error("--limit takes a number of rows (0 or more), not '%s'", optarg);
            o->has_limit = true;
            o->limit = v;
            snprintf(canon, sizeof canon, "%llu", v);
            rc = once(d, canon);
            break;
        }
        case O_MAX_BAD: {
            /* N, or P% with up to 6 fraction digits (kept exactly, in
             * millionths of a percent) */
            const char *q = optarg;
            uint64_t v = 0, frac = 0;
            int nd = 0, fd = -1;
            bool ok = true;
            for (; *q >= '0' && *q <= '9'; q++, nd++)
                ok &= (v = v * 10 + (uint64_t)(*q - '0')) <= 1000000000000000ULL;
            if (*q == '.' && q[1] != '%') {
                for (q++, fd = 0; *q >= '0' && *q <= '9'; q++, fd++)
                    if (fd < 6)
                        frac = frac * 10 + (uint64_t)(*q - '0');
                    else
                        ok &= *q == '0';
                for (int i = fd; i < 6; i++)
                    frac *= 10;
            }
            o->max_bad_is_pct = *q == '%' && !q[1];
            ok &= nd > 0 && (o->max_bad_is_pct || (!*q && fd < 0));
            if (o->max_bad_is_pct)
                ok &= v < 100 || (v == 100 && frac == 0);
            if (!ok)
                return usage_error("--max-bad-rows takes a number of rows (like 100) or a "
                                   "percentage of the data rows (like 0.5%%), not '%s'",
                                   optarg);
            o->has_max_bad = true;
            o->max_bad = v;
            o->max_bad_pct = v * 1000000 + frac;
            if (o->max_bad_is_pct)
                snprintf(canon, sizeof canon, "%llu%%", (unsigned long long)o->max_bad_pct);
            else
                snprintf(canon, sizeof canon, "%llu", (unsigned long long)v);
            rc = once(d, canon);
            break;
        }
        case 'h':
            if (*command)
                help_command(command);
            else
                help_main();
            return -1;
        case O_VERSION: printf("pcsv %s\n", PCSV_VERSION); return -1;
        case ':': return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            if (optopt)
                return usage_error("unknown option '-%c'", optopt);
            return usage_unknown_option(command, argv[optind - 1]);
        }
        if (rc)
            return rc;
    }
    o->wheres = where_parts;
    o->nwheres = nwhere_parts;
    if (level) {
        /* the level of a zstd output: meaningless without one */
        size_t ol = o->output ? strlen(o->output) : 0;
        if (ol < 5 || strcmp(o->output + ol - 4, ".zst") != 0)
            return usage_error("--compress-level goes with -o FILE.zst (zstd-compressed output)");
        outsink_compress_level(level);
    }
    if (o->rejects) {
        /* --rejects alone means skip (as DuckDB's store_rejects implies
         * ignore_errors); with an explicit fail it is a contradiction */
        if (bad_given && o->bad_mode == PIPELINE_FAIL)
            return usage_error("--rejects keeps the rows --on-bad-row skip or warn drops; "
                               "it does not go with --on-bad-row fail");
        if (!bad_given)
            o->bad_mode = PIPELINE_SKIP;
        if (!*o->rejects || strcmp(o->rejects, "-") == 0)
            return usage_error("--rejects needs a file name (standard output is the result)");
        if (o->output && strcmp(o->output, o->rejects) == 0)
            return usage_error("--rejects and -o name the same file '%s'", o->rejects);
        if (o->ref_parser)
            return usage_error("--rejects does not go with --parser libcsv (it stops at the "
                               "first bad row)");
    }
    if (o->has_max_bad) {
        if (o->bad_mode == PIPELINE_FAIL)
            return usage_error("--max-bad-rows is a budget for the rows --on-bad-row skip or warn "
                               "drops (fail stops at the first)");
        if (o->partial)
            return usage_error("--max-bad-rows covers a whole input: it does not go with "
                               "--partial");
        if (o->max_bad_is_pct && cmdbit == C_HEAD)
            return usage_error("head reads only the first rows: give --max-bad-rows a number of "
                               "rows, not a percentage");
    }
    if (o->ref_parser && o->bad_mode != PIPELINE_FAIL)
        return usage_error("--on-bad-row %s does not go with --parser libcsv (it stops at the "
                           "first bad row)",
                           o->bad_mode == PIPELINE_SKIP ? "skip" : "warn");
    if (o->where && o->ref_parser)
        return usage_error("--where does not go with --parser libcsv yet");
    if (o->delim == o->quote)
        return usage_error("the delimiter and the quote must differ");
    if (o->partial) {
        /* a partial is not a table: the options that shape one go to merge */
        if (given[opt_by_id(O_FORMAT) - opt_table])
            return usage_error("--partial writes a partial state, not a table: give --format to "
                               "pcsv merge");
        if (o->sort && cmdbit != C_MERGE)
            return usage_error("--partial writes a partial state, not a table: give --sort to "
                               "pcsv merge");
        if (o->has_limit)
            return usage_error("--limit does not go with --partial: a partial state keeps "
                               "every group (give --limit to the final pcsv merge)");
        size_t ol = o->output ? strlen(o->output) : 0;
        if (ol >= 4 && strcmp(o->output + ol - 4, ".zst") == 0)
            return usage_error("a partial state is compressed already: give -o a name without "
                               ".zst, not '%s'",
                               o->output);
        if (level)
            return usage_error("--compress-level does not go with --partial");
        if (o->ref_parser)
            return usage_error("--partial does not go with --parser libcsv");
    }
    if (given[opt_by_id(O_FILE_INDEX) - opt_table] && !o->partial)
        return usage_error("--file-index goes with --partial (it orders files for pcsv merge)");
    if (o->range_state >= 0 && !o->has_range)
        return usage_error("--range-state goes with --range");
    if (o->has_range) {
        if (!o->partial)
            return usage_error("--range goes with --partial (merge the ranges' partials with "
                               "pcsv merge)");
        if (argc - optind != 1 || strcmp(argv[optind], "-") == 0)
            return usage_error("--range reads one FILE (a regular file, not standard input)");
        if (o->rejects)
            return usage_error("--rejects does not go with --range (its line numbers would "
                               "count from the range)");
    }
    o->files = argv + optind;
    o->nfiles = argc - optind;
    return 0;
}

struct pipeline_cfg opts_pipe_cfg(const struct pcsv_opts *o)
{
    return (struct pipeline_cfg){.jobs = o->jobs,
                                 .chunk_size = o->chunk_size,
                                 .delim = o->delim,
                                 .quote = o->quote,
                                 .header = o->header,
                                 .bad_mode = o->bad_mode,
                                 .rejects = o->rejects,
                                 .keep_bad = o->has_max_bad && !o->max_bad_is_pct &&
                                                     o->max_bad < SIZE_MAX
                                                 ? (size_t)o->max_bad + 1
                                                 : 0};
}
