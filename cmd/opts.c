/* opts.c - the command line: argv -> struct pcsv_opts, and the help text. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static const char main_help[] =
    "pcsv - aggregate, filter and summarise large CSV files on every core\n"
    "\n"
    "Usage: pcsv COMMAND [OPTIONS] [FILE...]\n"
    "\n"
    "Commands:\n"
    "  aggregate   group rows by key columns and compute aggregates\n"
    "  count       print the number of data rows\n"
    "  headers     print each column's 1-based index and name\n"
    "  filter      print the header and the rows that match --where, in order\n"
    "  select      pcsv select COLS [FILE...]: chosen columns (names, 2-5, !C)\n"
    "  head        the header and the first -n N rows (default 10)\n"
    "  stats       one row per column: type, count, nulls, min, max, mean, ...\n"
    "\n"
    "Options shared by all commands:\n"
    "  -j, --jobs N           worker threads (default: online CPUs; 1 = serial)\n"
    "  -d, --delimiter C      field delimiter, one byte ('\\t' or 'tab' for tab)\n"
    "  -t, --tsv              tab-separated input\n"
    "      --quote C          quote byte (default \")\n"
    "  -H, --no-header        the first row is data; columns are named 1, 2, ...\n"
    "  -o, --output FILE      write the result to FILE, atomically (FILE.zst: zstd)\n"
    "      --compress-level N zstd level for -o FILE.zst (default 3)\n"
    "      --format F         csv (default), tsv or jsonl\n"
    "      --where EXPR       keep only rows for which EXPR is true (see SPEC 4)\n"
    "      --on-bad-row M     fail (default), skip or warn\n"
    "      --rejects FILE     keep every row skip/warn drops in FILE, atomically\n"
    "                         (CSV: file,line,offset,column,reason,row);\n"
    "                         without --on-bad-row it means skip\n"
    "      --chunk-size SIZE  bytes per work unit, e.g. 256K, 8M\n"
    "      --parser libcsv    use the serial reference parser (cross-check)\n"
    "      --progress         progress on stderr (default: when it is a terminal)\n"
    "      --no-progress      no progress display\n"
    "  -q, --quiet            no warnings or summaries on stderr\n"
    "  -h, --help             this help; pcsv COMMAND --help for a command\n"
    "      --version          print the version\n"
    "\n"
    "Exit status: 0 success, 1 bad data or I/O failure, 2 usage error.\n";

static const char aggregate_help[] =
    "Usage: pcsv aggregate [FILE...] [--by COLS] [--agg SPECS] [OPTIONS]\n"
    "\n"
    "Group rows by the key columns and compute aggregates; one output row per\n"
    "group, sorted by key (numeric key columns numerically, empty keys last).\n"
    "\n"
    "  --by COLS     key columns, comma-separated names or 1-based indexes\n"
    "  --agg SPECS   comma-separated; default count:\n"
    "                count        rows in the group\n"
    "                count:C      non-empty values of C\n"
    "                sum:C        exact sum (integers and decimals)\n"
    "                mean:C       mean of the non-empty values\n"
    "                min:C max:C  numeric when every value of C is a number\n"
    "                first:C last:C  first / last non-empty value in input order\n"
    "                distinct:C   exact number of distinct non-empty values\n"
    "                median:C pN:C  quantiles (0<N<100), linear interpolation\n"
    "                var:C stddev:C  sample variance and standard deviation\n"
    "\n"
    "  --sort COL[:asc|:desc]  order by any output column (ties: key order)\n"
    "\n"
    "An empty field is a null: skipped by every function but count.\n"
    "Example: pcsv aggregate sales.csv --by country --agg count,sum:price\n";

static const char count_help[] =
    "Usage: pcsv count [FILE...] [OPTIONS]\n"
    "\n"
    "Print the number of data rows (not counting the header) as a bare number.\n";

static const char headers_help[] =
    "Usage: pcsv headers [FILE...] [OPTIONS]\n"
    "\n"
    "Print each column's 1-based index and name, separated by a tab.\n";

static const char stats_help[] =
    "Usage: pcsv stats [FILE...] [OPTIONS]\n"
    "\n"
    "One row per column, in one parallel pass:\n"
    "  column      the column's name\n"
    "  type        integer, decimal, real, boolean, date, datetime or string: the\n"
    "              narrowest type that holds every non-empty value\n"
    "  count       non-empty values; nulls: empty ones\n"
    "  min, max    numeric for integer/decimal/real columns, else byte order\n"
    "  mean, stddev  numeric columns only (sample standard deviation)\n"
    "  distinct    exact number of distinct values; past 100000 in a column, a\n"
    "              HyperLogLog estimate (~0.8% error) and the header says\n"
    "              distinct_approx\n"
    "  max_length  the longest value, in bytes\n"
    "Example: pcsv stats sales.csv --format jsonl\n";

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
        case 'k': case 'K': mul = 1ULL << 10; break;
        case 'm': case 'M': mul = 1ULL << 20; break;
        case 'g': case 'G': mul = 1ULL << 30; break;
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
    O_QUOTE = 256, O_FORMAT, O_WHERE, O_BAD, O_REJECTS, O_CHUNK, O_MEMLIMIT, O_PROGRESS,
    O_NOPROGRESS, O_BY, O_AGG, O_SORT, O_PARTIAL, O_PARSER, O_VERSION, O_TMPDIR, O_RANGE,
    O_SELECT, O_LEVEL,
};

static const struct option longopts[] = {
    {"jobs", required_argument, 0, 'j'},
    {"delimiter", required_argument, 0, 'd'},
    {"tsv", no_argument, 0, 't'},
    {"quote", required_argument, 0, O_QUOTE},
    {"no-header", no_argument, 0, 'H'},
    {"output", required_argument, 0, 'o'},
    {"format", required_argument, 0, O_FORMAT},
    {"where", required_argument, 0, O_WHERE},
    {"on-bad-row", required_argument, 0, O_BAD},
    {"rejects", required_argument, 0, O_REJECTS},
    {"chunk-size", required_argument, 0, O_CHUNK},
    {"memory-limit", required_argument, 0, O_MEMLIMIT},
    {"tmpdir", required_argument, 0, O_TMPDIR},
    {"progress", no_argument, 0, O_PROGRESS},
    {"no-progress", no_argument, 0, O_NOPROGRESS},
    {"quiet", no_argument, 0, 'q'},
    {"by", required_argument, 0, O_BY},
    {"agg", required_argument, 0, O_AGG},
    {"sort", required_argument, 0, O_SORT},
    {"partial", no_argument, 0, O_PARTIAL},
    {"range", required_argument, 0, O_RANGE},
    {"parser", required_argument, 0, O_PARSER},
    {"select", required_argument, 0, O_SELECT},
    {"compress-level", required_argument, 0, O_LEVEL},
    {"help", no_argument, 0, 'h'},
    {"version", no_argument, 0, O_VERSION},
    {0, 0, 0, 0},
};

static const char *help_for(const char *command)
{
    if (strcmp(command, "aggregate") == 0)
        return aggregate_help;
    if (strcmp(command, "count") == 0)
        return count_help;
    if (strcmp(command, "headers") == 0)
        return headers_help;
    if (strcmp(command, "stats") == 0)
        return stats_help;
    return main_help;
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
    o->bad_mode = PIPE_FAIL;
    o->chunk_size = 512 * 1024;
    o->head_n = 10;
    o->progress = -1; /* default: when stderr is a terminal */
    opterr = 0;
    optind = 1;
    bool bad_given = false;
    int c;
    while ((c = getopt_long(argc, argv, ":j:d:tHo:qhn:", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': {
            char *end;
            long j = strtol(optarg, &end, 10);
            if (*end || j < 1 || j > 1024)
                return usage_error("--jobs takes a number from 1 to 1024, not '%s'", optarg);
            o->jobs = (int)j;
            break;
        }
        case 'd':
            if (parse_byte(optarg, &o->delim))
                return usage_error("--delimiter takes one byte (or '\\t'), not '%s'", optarg);
            break;
        case 't':
            o->delim = '\t';
            break;
        case O_QUOTE:
            if (parse_byte(optarg, &o->quote))
                return usage_error("--quote takes one byte, not '%s'", optarg);
            break;
        case 'H':
            o->header = false;
            break;
        case 'o':
            o->output = optarg;
            break;
        case O_FORMAT:
            if (strcmp(optarg, "csv") == 0)
                o->format = OUT_CSV;
            else if (strcmp(optarg, "tsv") == 0)
                o->format = OUT_TSV;
            else if (strcmp(optarg, "jsonl") == 0)
                o->format = OUT_JSONL;
            else
                return usage_error("--format takes csv, tsv or jsonl, not '%s'", optarg);
            break;
        case O_WHERE:
            o->where = optarg;
            break;
        case O_BAD:
            bad_given = true;
            if (strcmp(optarg, "fail") == 0)
                o->bad_mode = PIPE_FAIL;
            else if (strcmp(optarg, "skip") == 0)
                o->bad_mode = PIPE_SKIP;
            else if (strcmp(optarg, "warn") == 0)
                o->bad_mode = PIPE_WARN;
            else
                return usage_error("--on-bad-row takes fail, skip or warn, not '%s'", optarg);
            break;
        case O_REJECTS:
            o->rejects = optarg;
            break;
        case O_CHUNK:
            if (parse_size(optarg, &o->chunk_size))
                return usage_error("--chunk-size takes a size like 65536, 256K or 8M, not '%s'",
                                   optarg);
            break;
        case O_MEMLIMIT:
        case O_TMPDIR:
        case O_RANGE:
            return usage_error("%s is not supported by this version yet", argv[optind - 1]);
        case O_PROGRESS:
            o->progress = 1;
            break;
        case O_NOPROGRESS:
            o->progress = 0;
            break;
        case 'q':
            o->quiet = true;
            break;
        case O_SELECT:
            o->select = optarg;
            break;
        case O_LEVEL: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 19)
                return usage_error("--compress-level takes 1 to 19, not '%s'", optarg);
            outsink_compress_level((int)v);
            break;
        }
        case 'n': {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (*end || v < 0)
                return usage_error("-n takes a number of rows, not '%s'", optarg);
            o->head_n = v;
            break;
        }
        case O_BY:
            o->by = optarg;
            break;
        case O_AGG:
            o->agg = optarg;
            break;
        case O_SORT:
            o->sort = optarg;
            break;
        case O_PARTIAL:
            o->partial = true;
            break;
        case O_PARSER:
            if (strcmp(optarg, "libcsv") == 0)
                o->ref_parser = true;
            else if (strcmp(optarg, "fast") != 0)
                return usage_error("--parser takes fast or libcsv, not '%s'", optarg);
            break;
        case 'h':
            fputs(help_for(command), stdout);
            return -1;
        case O_VERSION:
            printf("pcsv %s\n", PCSV_VERSION);
            return -1;
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            if (optopt)
                return usage_error("unknown option '-%c'", optopt);
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (o->rejects) {
        /* --rejects alone means skip (as DuckDB's store_rejects implies
         * ignore_errors); with an explicit fail it is a contradiction */
        if (bad_given && o->bad_mode == PIPE_FAIL)
            return usage_error("--rejects keeps the rows --on-bad-row skip or warn drops; "
                               "it does not go with --on-bad-row fail");
        if (!bad_given)
            o->bad_mode = PIPE_SKIP;
        if (!*o->rejects || strcmp(o->rejects, "-") == 0)
            return usage_error("--rejects needs a file name (standard output is the result)");
        if (o->output && strcmp(o->output, o->rejects) == 0)
            return usage_error("--rejects and -o name the same file '%s'", o->rejects);
        if (o->ref_parser)
            return usage_error("--rejects does not go with --parser libcsv (it stops at the "
                               "first bad row)");
        if (strcmp(command, "headers") == 0)
            return usage_error("--rejects does not go with headers (it reads no rows)");
    }
    if (o->partial)
        return usage_error("--partial is not supported by this version yet");
    if (o->where && o->ref_parser)
        return usage_error("--where does not go with --parser libcsv yet");
    if (o->delim == o->quote)
        return usage_error("the delimiter and the quote must differ");
    o->files = argv + optind;
    o->nfiles = argc - optind;
    return 0;
}

struct pipe_cfg opts_pipe_cfg(const struct pcsv_opts *o)
{
    return (struct pipe_cfg){.jobs = o->jobs, .chunk_size = o->chunk_size, .delim = o->delim,
                             .quote = o->quote, .header = o->header, .bad_mode = o->bad_mode,
                             .rejects = o->rejects};
}
