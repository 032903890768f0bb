/* display.c - the messages pcsv prints on stderr. */
#include <stdarg.h>
#include <stdio.h>

#include "cmd.h"

int report_error(const struct pcsv_error *err)
{
    char buf[2048];
    fprintf(stderr, "%s\n", pcsv_error_format(err, buf, sizeof buf));
    return err->code == PCSV_EUSAGE ? EXIT_USAGE : EXIT_DATA;
}

int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("pcsv: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'pcsv --help'.\n", stderr);
    return EXIT_USAGE;
}

#define MAX_WARNINGS 20

void report_bad_rows(struct pipeline *p, const struct inputs *ins, const struct pcsv_opts *o)
{
    size_t n;
    const struct pipe_bad *b = pipeline_bad_rows(p, &n);
    if (!n || o->quiet)
        return;
    char reason[1200];
    if (o->bad_mode == PIPE_WARN) {
        for (size_t i = 0; i < n && i < MAX_WARNINGS; i++) {
            const struct pipe_input *in = &ins->in[b[i].file];
            pipe_bad_reason(&b[i], in->names, in->ncols, ins->in[0].ncols, reason, sizeof reason);
            fprintf(stderr, "pcsv: warning: %s:%llu: %s\n", in->path, (unsigned long long)b[i].line,
                    reason);
        }
        if (n > MAX_WARNINGS)
            fprintf(stderr, "pcsv: warning: %zu more bad rows not shown\n", n - MAX_WARNINGS);
    }
    const struct pipe_input *in = &ins->in[b[0].file];
    pipe_bad_reason(&b[0], in->names, in->ncols, ins->in[0].ncols, reason, sizeof reason);
    fprintf(stderr, "pcsv: skipped %zu bad row%s; first at %s:%llu: %s\n", n, n == 1 ? "" : "s",
            in->path, (unsigned long long)b[0].line, reason);
}
