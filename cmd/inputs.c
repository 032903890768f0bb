/* inputs.c - opening every FILE argument as one table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../pipeline/expr.h"
#include "cmd.h"

static const char *stdin_name = "<stdin>";

static int open_one(struct source *in, const char *file, const struct pipeline_cfg *cfg,
                    struct pcsv_error *err)
{
    return source_open(in, file, strcmp(file, "-") == 0 ? stdin_name : file, cfg->delim, cfg->quote,
                       cfg->header, err);
}

static bool same_header(const struct source *a, const struct source *b)
{
    if (a->ncols != b->ncols)
        return false;
    for (int i = 0; i < a->ncols; i++)
        if (strcmp(a->names[i], b->names[i]) != 0)
            return false;
    return true;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The hint for a header read with the wrong delimiter (SPEC 1: hints where
 * users slip), shown under the error such a run ends in: a file named .tsv
 * whose header has tabs, read without -t; a header of one field with tabs
 * or semicolons in it. */
static void set_delimiter_hint(const struct source *in, const struct pcsv_opts *o)
{
    static char hint[600];
    if (!o->header || in->ncols == 0) {
        display_input_hint(NULL);
        return;
    }
    bool tabs = false;
    for (int i = 0; i < in->ncols; i++)
        tabs |= strchr(in->names[i], '\t') != NULL;
    const char *p = in->path;
    bool tsv_name = ends_with(p, ".tsv") || ends_with(p, ".tsv.zst") || ends_with(p, ".tsv.gz");
    if (o->delim != '\t' && tabs && tsv_name)
        snprintf(hint, sizeof hint, "  hint: %s is named .tsv and its header has tabs: use -t", p);
    else if (o->delim != '\t' && tabs && in->ncols == 1)
        snprintf(hint, sizeof hint,
                 "  hint: the header of %s is one column with tabs in it: use -t", p);
    else if (o->delim != ';' && in->ncols == 1 && strchr(in->names[0], ';'))
        snprintf(hint, sizeof hint,
                 "  hint: the header of %s is one column with ';' in it: use -d ';'", p);
    else
        hint[0] = 0;
    display_input_hint(hint);
}

int inputs_open(struct inputs *ins, const struct pcsv_opts *o, struct pcsv_error *err)
{
    static char *dash[] = {"-"};
    char **files = o->nfiles ? o->files : dash;
    int n = o->nfiles ? o->nfiles : 1;
    ins->in = calloc((size_t)n, sizeof *ins->in);
    ins->n = 0;
    if (!ins->in)
        return pcsv_error_set(err, PCSV_ENOMEM, 0, NULL, 0, "out of memory");
    /* Standard input a terminal: refuse at once (as zstd does) instead of
     * waiting silently for typed CSV. */
    for (int i = 0; i < n; i++) {
        if (strcmp(files[i], "-") == 0 && isatty(0)) {
            free(ins->in);
            ins->in = NULL;
            return pcsv_error_set(err, PCSV_EUSAGE, 0, NULL, 0,
                                  "standard input is a terminal: give a FILE, or pipe the data "
                                  "in (... | pcsv %s)",
                                  o->command);
        }
    }
    struct pipeline_cfg cfg = opts_pipe_cfg(o);
    for (int i = 0; i < n; i++) {
        int rc = open_one(&ins->in[i], files[i], &cfg, err);
        if (rc) {
            source_close(&ins->in[i]); /* what it had opened before failing */
            inputs_close(ins);
            return rc;
        }
        ins->n++;
        /* an empty later file (no header, no rows) adds nothing and is fine */
        bool empty = ins->in[i].ncols == 0;
        if (i > 0 && !empty && !same_header(&ins->in[0], &ins->in[i])) {
            pcsv_error_set(err, PCSV_EUSAGE, 0, NULL, 0, "%s and %s have different headers",
                           ins->in[0].path, ins->in[i].path);
            inputs_close(ins);
            return PCSV_EUSAGE;
        }
    }
    set_delimiter_hint(&ins->in[0], o);
    return 0;
}

void inputs_close(struct inputs *ins)
{
    for (int i = 0; i < ins->n; i++)
        source_close(&ins->in[i]);
    free(ins->in);
    ins->in = NULL;
    ins->n = 0;
}

int inputs_run(struct pipeline *p, struct inputs *ins, struct pcsv_error *err)
{
    for (int i = 0; i < ins->n; i++) {
        int rc = pipeline_run(p, &ins->in[i], (uint32_t)i, ins->in[0].ncols, err);
        if (rc)
            return rc;
    }
    return 0;
}

struct expr *where_compile(const struct pcsv_opts *o, char *const *names, int ncols,
                           struct pcsv_error *err)
{
    /* Several --where: each alone first, so that a mistake is shown in the
     * expression as typed, with its own columns (in the joined text a
     * missing ')' would be found at the wrong spot, or not at all). */
    for (int i = 0; o->nwheres > 1 && i < o->nwheres; i++) {
        struct expr *e = expr_compile(o->wheres[i], names, ncols, err);
        if (!e) {
            static const char *const nth[] = {"1st", "2nd", "3rd"};
            char which[32], msg[sizeof err->msg + 64];
            if (i < 3)
                snprintf(which, sizeof which, "%s", nth[i]);
            else
                snprintf(which, sizeof which, "%dth", i + 1);
            /* "--where: ..." -> "2nd --where: ...";
             * "... in --where ..." -> "... in the 2nd --where ..." */
            const char *at = strstr(err->msg, "--where");
            if (at)
                snprintf(msg, sizeof msg, "%.*s%s%s %s", (int)(at - err->msg), err->msg,
                         at == err->msg ? "" : "the ", which, at);
            else
                snprintf(msg, sizeof msg, "%s (the %s --where)", err->msg, which);
            snprintf(err->msg, sizeof err->msg, "%.*s", (int)sizeof err->msg - 1, msg);
            return NULL;
        }
        expr_destroy(e);
    }
    return expr_compile(o->where, names, ncols, err);
}

int where_open(const struct pcsv_opts *o, const struct inputs *ins, int (*slot_of)(void *, int),
               void *ctx, struct expr **where, int **wslots, struct pcsv_error *err)
{
    *where = NULL;
    *wslots = NULL;
    if (!o->where)
        return 0;
    if (!(*where = where_compile(o, ins->in[0].names, ins->in[0].ncols, err)))
        return err->code;
    const int *wc;
    int nw = expr_columns(*where, &wc);
    if (!(*wslots = malloc(((size_t)nw + 1) * sizeof **wslots)))
        return pcsv_error_set(err, PCSV_ENOMEM, 0, NULL, 0, "out of memory");
    for (int i = 0; i < nw; i++)
        (*wslots)[i] = slot_of(ctx, wc[i]);
    return 0;
}
