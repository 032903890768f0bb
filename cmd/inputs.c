/* inputs.c - opening every FILE argument as one table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/expr.h"
#include "cmd.h"

static const char *stdin_name = "<stdin>";

static int open_one(struct pipe_input *in, const char *file, const struct pipe_cfg *cfg,
                    struct pcsv_error *err)
{
    return pipe_input_open(in, file, strcmp(file, "-") == 0 ? stdin_name : file, cfg, err);
}

static bool same_header(const struct pipe_input *a, const struct pipe_input *b)
{
    if (a->ncols != b->ncols)
        return false;
    for (int i = 0; i < a->ncols; i++)
        if (strcmp(a->names[i], b->names[i]) != 0)
            return false;
    return true;
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
    struct pipe_cfg cfg = opts_pipe_cfg(o);
    for (int i = 0; i < n; i++) {
        int rc = open_one(&ins->in[i], files[i], &cfg, err);
        if (rc) {
            pipe_input_close(&ins->in[i]); /* what it had opened before failing */
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
    return 0;
}

void inputs_close(struct inputs *ins)
{
    for (int i = 0; i < ins->n; i++)
        pipe_input_close(&ins->in[i]);
    free(ins->in);
    ins->in = NULL;
    ins->n = 0;
}

int inputs_run(struct pipeline *p, struct inputs *ins, struct pcsv_error *err)
{
    for (int i = 0; i < ins->n; i++) {
        int rc = pipe_input_run(p, &ins->in[i], (uint32_t)i, ins->in[0].ncols, err);
        if (rc)
            return rc;
    }
    return 0;
}

int where_open(const struct pcsv_opts *o, const struct inputs *ins, int (*slot_of)(void *, int),
               void *ctx, struct expr **where, int **wslots, struct pcsv_error *err)
{
    *where = NULL;
    *wslots = NULL;
    if (!o->where)
        return 0;
    if (!(*where = expr_compile(o->where, ins->in[0].names, ins->in[0].ncols, err)))
        return err->code;
    const int *wc;
    int nw = expr_columns(*where, &wc);
    if (!(*wslots = malloc(((size_t)nw + 1) * sizeof **wslots)))
        return pcsv_error_set(err, PCSV_ENOMEM, 0, NULL, 0, "out of memory");
    for (int i = 0; i < nw; i++)
        (*wslots)[i] = slot_of(ctx, wc[i]);
    return 0;
}
