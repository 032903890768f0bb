/* status.h - pcsv_status and pcsv_error: how every layer below cmd/ reports failure.
 *
 * Functions below cmd/ never print and never exit. They return 0 or a
 * pcsv_status and, when given one, fill a struct pcsv_error with what cmd/
 * needs to print one precise line: `pcsv: FILE:LINE: message`.
 *
 * Threading: a pcsv_error is plain data, owned by whoever passed it in.
 */
#ifndef PCSV_STATUS_H
#define PCSV_STATUS_H

#include <stdint.h>

enum pcsv_status {
    PCSV_OK = 0,
    PCSV_EDATA,  /* bad input data: exit 1 */
    PCSV_EIO,    /* I/O failure (open, read, write, rename): exit 1 */
    PCSV_EUSAGE, /* the command line asks for something impossible: exit 2 */
    PCSV_ENOMEM, /* out of memory: exit 1 */
};

struct pcsv_error {
    enum pcsv_status code;
    int err_no;      /* errno of the failing call, or 0 */
    char path[512];  /* the file concerned, or "" */
    uint64_t line;   /* 1-based physical line, or 0 when not about a line */
    uint64_t offset; /* byte offset in path, when line != 0 */
    char msg[1024];  /* what is wrong, without the "pcsv: FILE:LINE: " prefix */
};

/* Fill err (if not NULL) and return code. fmt is printf-style; when err_no is
 * not 0, ": strerror(err_no)" is appended to the message. */
enum pcsv_status pcsv_error_set(struct pcsv_error *err, enum pcsv_status code, int err_no,
                                const char *path, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Format the error as one line "pcsv: PATH:LINE: MSG" (parts omitted when
 * empty) into buf. Returns buf. */
const char *pcsv_error_format(const struct pcsv_error *err, char *buf, unsigned long cap);

/* s as one shell word into buf: as it is when it is plain, else in single
 * quotes (for messages that show a command to run). */
void pcsv_shell_word(char *buf, unsigned long cap, const char *s);

#endif
