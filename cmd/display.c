/* display.c - the messages pcsv prints on stderr. */
#include <stdarg.h>
#include <stdio.h>

#include "cmd.h"

/* Print s and a line end on stderr with control bytes (but the line breaks
 * and tabs of pcsv's own messages) as \xNN: messages quote input bytes
 * (column names, values), and garbage input must not send escape sequences
 * to the user's terminal or NULs into a log. */
static void put_line(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
            fprintf(stderr, "\\x%02x", *p);
        else
            fputc(*p, stderr);
    }
    fputc('\n', stderr);
}

int report_error(const struct pcsv_error *err)
{
    char buf[2048];
    put_line(pcsv_error_format(err, buf, sizeof buf));
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
_Static_assert(MAX_WARNINGS <= PIPE_BAD_KEEP, "the pipeline keeps the rows warned about");

void report_bad_rows(struct pipeline *p, const struct inputs *ins, const struct pcsv_opts *o)
{
    size_t n;
    const struct pipe_bad *b = pipeline_bad_rows(p, &n);
    uint64_t total = pipeline_bad_count(p);
    if (!n || o->quiet)
        return;
    char reason[1200];
    if (o->bad_mode == PIPE_WARN) {
        for (size_t i = 0; i < n && i < MAX_WARNINGS; i++) {
            const struct pipe_input *in = &ins->in[b[i].file];
            pipe_bad_reason(&b[i], in->names, in->ncols, ins->in[0].ncols, reason, sizeof reason);
            char line[1800];
            snprintf(line, sizeof line, "pcsv: warning: %s:%llu: %s", in->path,
                     (unsigned long long)b[i].line, reason);
            put_line(line);
        }
        if (total > MAX_WARNINGS)
            fprintf(stderr, "pcsv: warning: %llu more bad rows not shown\n",
                    (unsigned long long)(total - MAX_WARNINGS));
    }
    const struct pipe_input *in = &ins->in[b[0].file];
    pipe_bad_reason(&b[0], in->names, in->ncols, ins->in[0].ncols, reason, sizeof reason);
    char line[1800];
    snprintf(line, sizeof line, "pcsv: skipped %llu bad row%s; first at %s:%llu: %s",
             (unsigned long long)total, total == 1 ? "" : "s", in->path,
             (unsigned long long)b[0].line, reason);
    put_line(line);
}

int finish_run(struct outsink *out, struct pipeline *p, const struct inputs *ins,
               const struct pcsv_opts *o, struct pcsv_error *err)
{
    /* Workers format rows on several threads: one warning for the run. */
    if (outsink_utf8_replaced() && !o->quiet)
        fputs("pcsv: warning: invalid UTF-8 in the output replaced by U+FFFD\n", stderr);
    /* Both files complete (written, synced, closed) before either is
     * renamed: a failure up to there leaves both old files as they were. */
    struct outsink *rej = pipeline_take_rejects(p);
    int rc = rej ? outsink_prepare(rej, err) : 0;
    if (!rc)
        rc = outsink_prepare(out, err);
    if (rc) {
        outsink_abort(out);
        outsink_abort(rej);
        return rc;
    }
    rc = outsink_commit(out, err);
    if (rc) {
        outsink_abort(rej);
        return rc;
    }
    if (rej && (rc = outsink_commit(rej, err)))
        return rc;
    if (p)
        report_bad_rows(p, ins, o);
    return 0;
}

/* ---- progress: a thread samples the pipeline's byte counter and redraws
 * one line on stderr four times a second; the line is cleared at the end. */

#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#ifndef PROGRESS_MS
#define PROGRESS_MS 250
#endif

struct progress {
    pthread_t t;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    struct pipeline *p;
    uint64_t total; /* bytes, 0 when unknown (a stream) */
    struct timespec t0;
};

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void human(char *buf, size_t cap, double v)
{
    static const char *unit[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (v >= 1000 && u < 4)
        v /= 1000, u++;
    snprintf(buf, cap, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

static void draw(struct progress *g)
{
    double s = since(&g->t0);
    uint64_t done = pipeline_bytes_done(g->p);
    char d[32], t[32], r[32], line[160];
    human(d, sizeof d, (double)done);
    human(r, sizeof r, s > 0 ? (double)done / s : 0);
    if (g->total) {
        human(t, sizeof t, (double)g->total);
        double pct = 100.0 * (double)done / (double)g->total;
        double eta = done ? s * (double)(g->total - (done < g->total ? done : g->total)) / (double)done : 0;
        if (done)
            snprintf(line, sizeof line, "pcsv: %s / %s (%.0f%%)  %s/s  ETA %d:%02d", d, t, pct,
                     r, (int)eta / 60, (int)eta % 60);
        else
            snprintf(line, sizeof line, "pcsv: %s / %s (0%%)", d, t);
    } else {
        snprintf(line, sizeof line, "pcsv: %s  %s/s", d, r);
    }
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
}

static void *progress_main(void *arg)
{
    struct progress *g = arg;
    pthread_mutex_lock(&g->mu);
    while (!g->stop) {
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_nsec += PROGRESS_MS * 1000000L;
        if (dl.tv_nsec >= 1000000000L)
            dl.tv_sec++, dl.tv_nsec -= 1000000000L;
        while (!g->stop && pthread_cond_timedwait(&g->cv, &g->mu, &dl) == 0)
            ;
        if (!g->stop)
            draw(g);
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

struct progress *progress_start(const struct pcsv_opts *o, struct pipeline *p,
                                const struct inputs *ins)
{
    bool on = o->progress == 1 || (o->progress == -1 && !o->quiet && isatty(2));
    if (!on || !p)
        return NULL;
    struct progress *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->p = p;
    for (int i = 0; i < ins->n; i++) {
        if (ins->in[i].is) { /* a stream: no total */
            g->total = 0;
            break;
        }
        g->total += ins->in[i].map.size - ins->in[i].data_begin;
    }
    clock_gettime(CLOCK_MONOTONIC, &g->t0);
    draw(g); /* at once, then every PROGRESS_MS */
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    if (pthread_create(&g->t, NULL, progress_main, g) != 0) {
        pthread_mutex_destroy(&g->mu);
        pthread_cond_destroy(&g->cv);
        free(g);
        return NULL;
    }
    return g;
}

void progress_stop(struct progress *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->mu);
    g->stop = true;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
    pthread_join(g->t, NULL);
    fputs("\r\033[K", stderr); /* clear the line */
    fflush(stderr);
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    free(g);
}
