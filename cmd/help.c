/* help.c - the help texts, generated from opt_table, and the did-you-mean. */
#include <stdio.h>
#include <string.h>

#include "../pipeline/colref.h"
#include "cmd.h"
#include "optdef.h"

/* What `pcsv COMMAND --help` says besides the options. The examples run
 * as they stand in testdata/ (tests/cli/cases/help_examples.sh runs every
 * one): keep them real. */
static const struct command_help {
    const char *name;
    unsigned bit;
    const char *summary;  /* one line, for pcsv --help */
    const char *synopsis; /* after "Usage: pcsv " */
    const char *about;    /* a paragraph */
    const char *extra;    /* after the options (aggregate's specs), or NULL */
    const char *examples[4];
} commands[] = {
    {"aggregate",
     C_AGGREGATE,
     "group rows by key columns and compute aggregates",
     "aggregate [FILE...] [--by COLS] [--agg SPECS] [OPTIONS]",
     "Group rows by the key columns and compute aggregates: one output row per\n"
     "group, sorted by key (numeric key columns numerically). Without --by, one\n"
     "row aggregates the whole input. An empty field is a null: skipped by every\n"
     "function but count.\n",
     "Aggregates (--agg; NAME=SPEC names the result column):\n"
     "  count              rows in the group\n"
     "  count:C            non-empty values of C\n"
     "  sum:C mean:C       exact sum (integers and decimals), mean\n"
     "  min:C max:C        numeric when every value of C is a number\n"
     "  first:C last:C     first / last non-empty value in input order\n"
     "  distinct:C         exact number of distinct non-empty values\n"
     "  median:C pN:C      quantiles (0<N<100), linear interpolation\n"
     "  var:C stddev:C     sample variance and standard deviation\n",
     {"pcsv aggregate sales.csv --by region --agg count,sum:price,mean:qty",
      "pcsv aggregate sales.csv --by region,product --agg count,max:price --sort count:desc",
      "pcsv aggregate sales.csv --where 'qty >= 5' --agg distinct:product,median:price"}},
    {"count",
     C_COUNT,
     "print the number of data rows",
     "count [FILE...] [OPTIONS]",
     "Print the number of data rows (not counting the header) as a bare number.\n",
     NULL,
     {"pcsv count sales.csv", "pcsv count sales.csv --where 'qty * price > 50'",
      "cat sales.csv | pcsv count --where 'region == \"East\"'"}},
    {"headers",
     C_HEADERS,
     "print each column's 1-based index and name",
     "headers [FILE...] [OPTIONS]",
     "Print each column's 1-based index and name, separated by a tab. Reads only\n"
     "the header line.\n",
     NULL,
     {"pcsv headers sales.csv", "pcsv headers sales.tsv -t"}},
    {"filter",
     C_FILTER,
     "print the header and the rows that match --where, in order",
     "filter [FILE...] --where EXPR [OPTIONS]",
     "Print the header and every row for which EXPR is true, in input order.\n",
     NULL,
     {"pcsv filter sales.csv --where 'region == \"North\" && qty > 5'",
      "pcsv filter sales.csv --where 'note =~ \"(?i)promo\"' --select region,note",
      "pcsv filter sales.tsv -t --where 'price < 1' --format jsonl"}},
    {"select",
     C_SELECT,
     "pcsv select COLS [FILE...]: chosen columns, in the order given",
     "select COLS [FILE...] [OPTIONS]",
     "Print the chosen columns, in the order given: names or 1-based indexes,\n"
     "ranges (2-4), and !C for every column but C.\n",
     NULL,
     {"pcsv select region,price sales.csv", "pcsv select '!note' sales.csv --format tsv",
      "pcsv select 3,1 sales.tsv -t"}},
    {"head",
     C_HEAD,
     "the header and the first -n N rows (default 10)",
     "head [FILE...] [-n N] [OPTIONS]",
     "Print the header and the first N rows (default 10).\n",
     NULL,
     {"pcsv head sales.csv -n 3",
      "pcsv head sales.csv -n 2 --where 'region == \"West\"' --select product,price"}},
    {"stats",
     C_STATS,
     "one row per column: type, count, nulls, min, max, mean, ...",
     "stats [FILE...] [OPTIONS]",
     "One row per column, in one parallel pass:\n"
     "  column      the column's name\n"
     "  type        integer, decimal, real, boolean, date, datetime or string: the\n"
     "              narrowest type that holds every non-empty value\n"
     "  count       non-empty values; nulls: empty ones\n"
     "  min, max    numeric for integer/decimal/real columns, else byte order\n"
     "  mean, stddev  numeric columns only (sample standard deviation)\n"
     "  distinct    number of distinct values: exact up to 100000 in a column,\n"
     "              past that a HyperLogLog estimate (~0.8% error)\n"
     "  distinct_exact  true when distinct is exact, false when it is an estimate\n"
     "  max_length  the longest value, in bytes\n",
     NULL,
     {"pcsv stats sales.csv", "pcsv stats sales.csv --where 'region == \"North\"' --format jsonl"}},
    {"merge",
     C_MERGE,
     "combine partial states (aggregate --partial) into the result",
     "merge PART... [OPTIONS]",
     "Combine partial states written by `aggregate --partial` or `count --partial`\n"
     "(files, or - for standard input), in any order, into the result a single run\n"
     "over all their input prints; --partial writes a partial again. A range read\n"
     "with a wrong guess of its quote state is re-run from its file.\n",
     NULL,
     {"pcsv aggregate part1.csv --by region --agg count,sum:price --partial -o p1.part",
      "pcsv aggregate part2.csv --by region --agg count,sum:price --partial -o p2.part",
      "pcsv merge p1.part p2.part --sort count:desc"}},
    {"dump",
     C_DUMP,
     "print a partial state as text",
     "dump PART",
     "Print a partial state as text: its format version, query, header and\n"
     "sources (ranges, quote states), then its groups as merge would print them.\n",
     NULL,
     {"pcsv count part1.csv --partial -o p1.part", "pcsv dump p1.part"}},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const char where_help[] =
    "The --where language (SPEC section 4)\n"
    "\n"
    "  status == \"paid\" && price > 100\n"
    "  country in (\"US\", \"CA\") || note =~ \"(?i)refund\"\n"
    "  not (discount is null) and quantity * price >= 1000\n"
    "\n"
    "Columns:   bare names (price), backquoted names (`unit price`), $3 for the\n"
    "           3rd column\n"
    "Literals:  numbers, \"strings\" or 'strings', true, false, null. Text is\n"
    "           quoted: country == \"US\" (a bare US is a column)\n"
    "Operators, loosest first:\n"
    "  || or                 either holds\n"
    "  && and                both hold\n"
    "  ! not                 negation\n"
    "  == != < <= > >=       numeric when both sides are numbers, else bytes\n"
    "  =~ !~                 matches / does not match a regular expression (PCRE2)\n"
    "  in (A, B, ...)        equal to one of the values\n"
    "  is null, is not null  empty field or not\n"
    "  + -                   addition, subtraction\n"
    "  * / %                 multiplication, division, remainder\n"
    "  -x, ( )               unary minus, parentheses\n"
    "Functions:\n"
    "  len(s)                length in bytes\n"
    "  lower(s) upper(s)     ASCII case\n"
    "  trim(s)               without leading and trailing blanks\n"
    "  contains(s, t)        s contains t\n"
    "  starts_with(s, t)     s begins with t\n"
    "  ends_with(s, t)       s ends with t\n"
    "  abs(x)                absolute value\n"
    "  substr(s, start[, n]) n bytes from start (1-based)\n"
    "  round(x[, digits])    rounded to digits fraction digits (default 0)\n"
    "  floor(x) ceil(x)      rounded down / up to an integer\n"
    "  year(ts) month(ts) day(ts) hour(ts) minute(ts)\n"
    "                        a part of an ISO date or datetime\n"
    "  date(ts)              the ISO date of a date or datetime\n"
    "  date_trunc(unit, ts)  where the unit starts: \"year\" \"quarter\" \"month\"\n"
    "                        \"week\" (Monday) \"day\" \"hour\" \"minute\";\n"
    "                        date_trunc(\"month\", \"2024-03-17T10:00:00\") is 2024-03-01\n"
    "A value a function cannot read (a non-date in year) is null. A null\n"
    "compares false with everything but is null, so !(x == 5) holds when x is\n"
    "null. Repeated --where conditions must all hold. The functions also make\n"
    "computed keys: aggregate --by 'day=date_trunc(\"day\", ts)'.\n"
    "\n"
    "Examples:\n"
    "  pcsv filter sales.csv --where 'region in (\"North\", \"South\") and qty >= 5'\n"
    "  pcsv count sales.csv --where 'lower(note) == \"promo\" || price > 15'\n"
    "  pcsv filter sales.csv --where 'note =~ \"^new\" && !(qty > 1)'\n";

unsigned command_bit(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].bit;
    return 0;
}

static const struct command_help *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

/* A shared option: one most CSV-reading commands take (pcsv --help lists
 * these; a command's help lists them apart from its own). */
static bool is_shared(const struct opt_def *d) { return __builtin_popcount(d->cmds & C_ALL) >= 4; }

#define HELP_COL 26 /* where the descriptions start */

static void print_option(const struct opt_def *d)
{
    char left[80];
    int n;
    if (d->name && d->shortc)
        n = snprintf(left, sizeof left, "  -%c, --%s", d->shortc, d->name);
    else if (d->name)
        n = snprintf(left, sizeof left, "      --%s", d->name);
    else
        n = snprintf(left, sizeof left, "  -%c", d->shortc);
    if (d->arg)
        snprintf(left + n, sizeof left - (size_t)n, " %s", d->arg);
    if (strlen(left) + 1 < HELP_COL)
        printf("%-*s%s\n", HELP_COL, left, d->help);
    else
        printf("%s\n%*s%s\n", left, HELP_COL, "", d->help);
}

void help_main(void)
{
    printf("pcsv - aggregate, filter and summarise large CSV files on every core\n"
           "\n"
           "Usage: pcsv COMMAND [OPTIONS] [FILE...]\n"
           "\n"
           "FILE (none, or -, is standard input) may be zstd- or gzip-compressed, on\n"
           "files and on standard input alike: recognised by its magic bytes.\n"
           "\n"
           "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        printf("  %-10s  %s\n", commands[i].name, commands[i].summary);
    printf("\nOptions shared by the commands that read CSV:\n");
    for (size_t i = 0; i < opt_count; i++)
        if (is_shared(&opt_table[i]))
            print_option(&opt_table[i]);
    printf("\n"
           "pcsv COMMAND --help (or pcsv help COMMAND) shows a command's options and\n"
           "examples; pcsv help where, the --where language; man pcsv, everything.\n"
           "Exit status: 0 success, 1 bad data or I/O failure, 2 usage error.\n");
}

void help_command(const char *command)
{
    const struct command_help *h = find_command(command);
    if (!h) {
        help_main();
        return;
    }
    printf("Usage: pcsv %s\n\n%s", h->synopsis, h->about);
    for (int shared = 0; shared < 2; shared++) {
        bool any = false;
        for (size_t i = 0; i < opt_count; i++) {
            const struct opt_def *d = &opt_table[i];
            if (!(d->cmds & h->bit) || is_shared(d) != shared)
                continue;
            if (!any)
                printf("\n%s:\n", shared ? "Shared options" : "Options");
            any = true;
            print_option(d);
        }
        if (!shared && h->extra)
            printf("\n%s", h->extra);
    }
    printf("\nExamples:\n");
    for (int i = 0; i < 4 && h->examples[i]; i++)
        printf("  %s\n", h->examples[i]);
}

void help_where(void) { fputs(where_help, stdout); }

int help_topic(const char *topic)
{
    if (strcmp(topic, "where") == 0) {
        help_where();
        return 0;
    }
    if (find_command(topic)) {
        help_command(topic);
        return 0;
    }
    const char *cands[NCOMMANDS + 1];
    for (size_t i = 0; i < NCOMMANDS; i++)
        cands[i] = commands[i].name;
    cands[NCOMMANDS] = "where";
    const char *best = help_closest(topic, cands, NCOMMANDS + 1);
    if (best)
        return usage_error("no help on '%s' (did you mean '%s'?)", topic, best);
    return usage_error("no help on '%s': pcsv help takes a command or where", topic);
}

void help_list_commands(void)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        printf("%s\n", commands[i].name);
}

int help_list_options(const char *command)
{
    unsigned bit = ~0u;
    if (command) {
        bit = command_bit(command);
        if (!bit)
            return usage_unknown_command(command);
    }
    for (size_t i = 0; i < opt_count; i++) {
        const struct opt_def *d = &opt_table[i];
        if (!(d->cmds & bit) || d->cmds == C_LATER)
            continue;
        if (d->name)
            printf("--%s", d->name);
        else
            printf("-%c", d->shortc);
        printf(d->arg ? " %s\n" : "\n", d->arg);
    }
    return 0;
}

const char *help_closest(const char *word, const char *const *cands, size_t n)
{
    /* 2 edits, but 1 for words of 3 bytes or less: 'ab' is no spelling of 'by' */
    int cap = strlen(word) <= 3 ? 1 : 2;
    const char *best = NULL;
    int bestd = cap + 1;
    for (size_t i = 0; i < n; i++) {
        int d = colref_distance(word, cands[i], cap);
        if (d < bestd) {
            bestd = d;
            best = cands[i];
        }
    }
    return best;
}

int usage_unknown_command(const char *cmd)
{
    const char *cands[NCOMMANDS];
    for (size_t i = 0; i < NCOMMANDS; i++)
        cands[i] = commands[i].name;
    const char *best = help_closest(cmd, cands, NCOMMANDS);
    if (best)
        return usage_error("unknown command '%s' (did you mean '%s'?)", cmd, best);
    return usage_error("unknown command '%s'", cmd);
}

int usage_unknown_option(const char *command, const char *arg)
{
    unsigned bit = *command ? command_bit(command) : 0;
    char word[64];
    const char *best = NULL;
    if (arg[0] == '-' && arg[1] == '-' && bit) {
        snprintf(word, sizeof word, "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
        const char *cands[64];
        size_t n = 0;
        for (size_t i = 0; i < opt_count && n < 64; i++)
            if (opt_table[i].name && (opt_table[i].cmds & bit))
                cands[n++] = opt_table[i].name;
        best = help_closest(word, cands, n);
    }
    if (best)
        return usage_error("unknown option '%s' (did you mean '--%s'?)", arg, best);
    return usage_error("unknown option '%s'", arg);
}

int usage_not_taken(const char *command, const struct opt_def *d)
{
    char opt[40], who[200];
    size_t n = 0, k = 0, total = (size_t)__builtin_popcount(d->cmds);
    if (d->name)
        snprintf(opt, sizeof opt, "--%s", d->name);
    else
        snprintf(opt, sizeof opt, "-%c", d->shortc);
    who[0] = 0;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (!(d->cmds & commands[i].bit))
            continue;
        k++;
        n += (size_t)snprintf(who + n, sizeof who - n, "%s%s",
                              k == 1       ? ""
                              : k == total ? " and "
                                           : ", ",
                              commands[i].name);
        if (n >= sizeof who)
            break;
    }
    return usage_error("%s does not take %s (%s %s)", command, opt, who,
                       total == 1 ? "does" : "do");
}
