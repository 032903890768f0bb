/* main.c - pcsv's entry point: dispatch to a command, map status to exit. */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "../io/instream.h"
#include "cmd.h"
#include "optdef.h"

static const struct {
    const char *name;
    int (*run)(struct pcsv_opts *);
} commands[] = {
    {"aggregate", cmd_aggregate}, {"count", cmd_count},   {"headers", cmd_headers},
    {"filter", cmd_filter},       {"select", cmd_select}, {"head", cmd_head},
    {"stats", cmd_stats},         {"merge", cmd_merge},   {"dump", cmd_dump},
};

int main(int argc, char **argv)
{
    /* A closed stdout (pcsv ... | head) ends us by SIGPIPE, quietly, as it
     * does cat and grep: keep the default action even if the parent
     * ignored it. */
    signal(SIGPIPE, SIG_DFL);
    /* Past a file-size limit (ulimit -f) the default SIGXFSZ kills us with
     * a core and leaves the -o temporary file behind; ignored, write fails
     * with EFBIG and the run ends in "File too large", exit 1. */
    signal(SIGXFSZ, SIG_IGN);
    /* Under an address-space limit (ulimit -v), glibc's per-thread malloc
     * arenas would each reserve 64 MiB of it (128 MiB while aligning):
     * one arena shared by every thread leaves it to the data. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        mallopt(M_ARENA_MAX, 1);
    if (argc < 2) {
        char *h[] = {argv[0], "--help"};
        struct pcsv_opts o;
        opts_parse(&o, "", 2, h);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (cmd[0] == '-') {
        /* pcsv --help, pcsv --version, or an option before the command */
        /* the hidden lists the bash completion and the man page test read */
        if (strcmp(cmd, "--list-commands") == 0 && argc == 2) {
            help_list_commands();
            return EXIT_OK;
        }
        if (strcmp(cmd, "--list-options") == 0 && argc <= 3)
            return help_list_options(argc == 3 ? argv[2] : NULL);
        if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "--version") == 0) {
            struct pcsv_opts o;
            return opts_parse(&o, "", argc, argv) == -1 ? EXIT_OK : EXIT_USAGE;
        }
        return usage_error("unknown option '%s'", cmd);
    }
    if (strcmp(cmd, "help") == 0) {
        /* pcsv help, pcsv help COMMAND, pcsv help where */
        if (argc > 3)
            return usage_error("pcsv help takes one topic: a command or where");
        if (argc == 2)
            help_main();
        else if (help_topic(argv[2]))
            return EXIT_USAGE;
        return fflush(stdout) == 0 ? EXIT_OK : EXIT_DATA;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(cmd, commands[i].name) != 0)
            continue;
        struct pcsv_opts o;
        int rc = opts_parse(&o, cmd, argc - 1, argv + 1);
        if (rc == -1)
            return fflush(stdout) == 0 ? EXIT_OK : EXIT_DATA;
        if (rc)
            return rc;
        outsink_install_signal_cleanup();
        /* io/ uses the threads --jobs allows, no more: --jobs 1 is serial
         * for .zst input and output too */
        instream_threads(o.jobs);
        outsink_threads(o.jobs);
        return commands[i].run(&o);
    }
    return usage_unknown_command(cmd);
}
