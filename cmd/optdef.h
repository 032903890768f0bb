/* optdef.h - the one table of options (opt_table in opts.c) and the help,
 * hidden lists and did-you-mean built from it (help.c).
 *
 * Everything the command line knows about an option is its opt_table
 * entry: the commands that take it (bits below), how a repeat combines,
 * its argument's name and a one-line description. `pcsv COMMAND --help`,
 * `pcsv --list-options` (what the man page test and the bash completion
 * read) and the "did you mean" for a mistyped option are generated from
 * it, so adding an option is adding one entry (and its case in
 * opts_parse). Only cmd/ includes this.
 */
#ifndef PCSV_OPTDEF_H
#define PCSV_OPTDEF_H

#include <stddef.h>

/* The commands, as bits of opt_def.cmds. */
enum {
    C_AGGREGATE = 1 << 0,
    C_COUNT = 1 << 1,
    C_HEADERS = 1 << 2,
    C_FILTER = 1 << 3,
    C_SELECT = 1 << 4,
    C_HEAD = 1 << 5,
    C_STATS = 1 << 6,
    C_MERGE = 1 << 7,
    C_DUMP = 1 << 8,
};
/* the commands that read CSV (merge and dump read partials) */
#define C_ALL (C_AGGREGATE | C_COUNT | C_HEADERS | C_FILTER | C_SELECT | C_HEAD | C_STATS)
/* the commands that read rows (headers reads only the header line) */
#define C_READ_ROWS (C_ALL & ~C_HEADERS)
/* the commands that print a table, in --format (count prints a bare number,
 * headers its fixed index<TAB>name lines) */
#define C_TABLE (C_AGGREGATE | C_FILTER | C_SELECT | C_HEAD | C_STATS)
#define C_LATER 0 /* a later version's option: a usage error that says so */

enum rep { R_ONCE, R_LIST, R_WHERE }; /* given twice: same value only / add up with ',' / and */

struct opt_def {
    const char *name; /* long name, NULL for a short-only option */
    int shortc;       /* short letter, 0 for none */
    int has_arg;
    int id;        /* what getopt returns */
    unsigned cmds; /* the commands that take it (C_LATER: none yet) */
    enum rep rep;
    /* The argument's name in help (NULL without one). Values separated by
     * '|' (csv|tsv|jsonl) are the only ones taken: the completion offers
     * them. */
    const char *arg;
    const char *help; /* one line for `pcsv COMMAND --help` */
};
extern const struct opt_def opt_table[];
extern const size_t opt_count;

/* The command named name's bit, 0 when there is no such command. */
unsigned command_bit(const char *name);

/* Help to stdout: the overview (pcsv --help), one command's (its synopsis,
 * the options it takes, examples), the --where language. */
void help_main(void);
void help_command(const char *command);
void help_where(void);
/* pcsv help [TOPIC]: 0 (printed) or EXIT_USAGE (unknown topic, with a
 * did-you-mean). */
int help_topic(const char *topic);
/* The hidden lists: pcsv --list-commands, pcsv --list-options [COMMAND]
 * (one option a line, "--name ARG" or "-n ARG"; only COMMAND's). 0, or
 * EXIT_USAGE for an unknown command. */
void help_list_commands(void);
int help_list_options(const char *command);

/* The closest of the '\0'-terminated candidates to word (an edit distance
 * of at most 2, less for short words), or NULL. */
const char *help_closest(const char *word, const char *const *cands, size_t n);
/* Usage errors with a did-you-mean: an unknown command; an unknown long
 * option arg ("--chunksize" or "--chunksize=8M") of command (closest among
 * the options command takes); an option command does not take (naming the
 * commands that do). Each returns EXIT_USAGE. */
int usage_unknown_command(const char *cmd);
int usage_unknown_option(const char *command, const char *arg);
int usage_not_taken(const char *command, const struct opt_def *d);

#endif
