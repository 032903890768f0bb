/* cmd_headers.c - pcsv headers: each column's 1-based index and name. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

int cmd_headers(struct pcsv_opts *o)
{
    struct pcsv_error err = {0};
    struct inputs ins;
    if (inputs_open(&ins, o, &err))
        return report_error(&err);
    struct outsink *out = outsink_open(o->output, OUT_CSV, &err);
    if (!out) {
        inputs_close(&ins);
        return report_error(&err);
    }
    const struct source *in = &ins.in[0];
    for (int i = 0; i < in->ncols; i++) {
        char num[16];
        int n = snprintf(num, sizeof num, "%d\t", i + 1);
        outsink_raw(out, num, (size_t)n);
        outsink_raw(out, in->names[i], strlen(in->names[i]));
        outsink_raw(out, "\n", 1);
    }
    int rc = outsink_commit(out, &err);
    inputs_close(&ins);
    return rc ? report_error(&err) : EXIT_OK;
}
