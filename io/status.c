/* status.c - filling and formatting struct pcsv_error. */
#include "status.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum pcsv_status pcsv_error_set(struct pcsv_error *err, enum pcsv_status code, int err_no,
                                const char *path, uint64_t line, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    err->err_no = err_no;
    err->line = line;
    err->offset = 0;
    snprintf(err->path, sizeof err->path, "%s", path ? path : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (err_no) {
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof err->msg - n, "%s%s", n ? ": " : "", strerror(err_no));
    }
    return code;
}

const char *pcsv_error_format(const struct pcsv_error *err, char *buf, unsigned long cap)
{
    if (err->path[0] && err->line)
        snprintf(buf, cap, "pcsv: %s:%llu: %s", err->path, (unsigned long long)err->line, err->msg);
    else if (err->path[0])
        snprintf(buf, cap, "pcsv: %s: %s", err->path, err->msg);
    else
        snprintf(buf, cap, "pcsv: %s", err->msg);
    return buf;
}

void pcsv_shell_word(char *buf, size_t cap, const char *s)
{
    bool plain = *s != 0;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              strchr("._/+-,:=@%", *c)))
            plain = false;
    if (plain) {
        snprintf(buf, cap, "%s", s);
        return;
    }
    size_t o = 0;
    if (o + 1 < cap)
        buf[o++] = '\'';
    for (const char *c = s; *c && o + 5 < cap; c++) {
        if (*c == '\'') {
            memcpy(buf + o, "'\\''", 4);
            o += 4;
        } else {
            buf[o++] = *c;
        }
    }
    if (o + 1 < cap)
        buf[o++] = '\'';
    buf[o < cap ? o : cap - 1] = 0;
}
