/* display.c - the messages pcsv prints on stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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

static char input_hint[700];

void display_input_hint(const char *hint)
{
    snprintf(input_hint, sizeof input_hint, "%s", hint ? hint : "");
}

int report_error(const struct pcsv_error *err)
{
    char buf[2048];
    put_line(pcsv_error_format(err, buf, sizeof buf));
    if (*input_hint)
        put_line(input_hint);
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
_Static_assert(MAX_WARNINGS <= BADROW_KEEP, "the pipeline keeps the rows warned about");

void report_bad_list(const struct badrow *b, size_t n, uint64_t total, const char *const *paths,
                     char *const *names, int ncols, enum pipeline_bad_mode mode)
{
    if (!n)
        return;
    char reason[1200], line[2400], where[600];
    for (size_t i = 0; i <= n && i <= MAX_WARNINGS; i++) {
        bool summary = i == n || i == MAX_WARNINGS;
        if (summary && mode == PIPELINE_WARN && total > MAX_WARNINGS)
            fprintf(stderr, "pcsv: warning: %llu more bad rows not shown\n",
                    (unsigned long long)(total - MAX_WARNINGS));
        if (!summary && mode != PIPELINE_WARN)
            continue;
        const struct badrow *r = summary ? &b[0] : &b[i];
        badrow_reason(r, names, ncols, ncols, reason, sizeof reason);
        if (r->line)
            snprintf(where, sizeof where, "%s:%llu", paths[r->file], (unsigned long long)r->line);
        else /* a range whose lines before it are unknown (merge) */
            snprintf(where, sizeof where, "%s: byte %llu", paths[r->file],
                     (unsigned long long)r->offset);
        if (summary)
            snprintf(line, sizeof line, "pcsv: skipped %llu bad row%s; first at %s: %s",
                     (unsigned long long)total, total == 1 ? "" : "s", where, reason);
        else
            snprintf(line, sizeof line, "pcsv: warning: %s: %s", where, reason);
        put_line(line);
        if (summary)
            break;
    }
}

void report_bad_rows(struct pipeline *p, const struct inputs *ins, const struct pcsv_opts *o)
{
    size_t n;
    const struct badrow *b = pipeline_bad_rows(p, &n);
    if (!n || o->quiet)
        return;
    const char **paths = calloc((size_t)ins->n + 1, sizeof *paths);
    if (!paths)
        return;
    for (int i = 0; i < ins->n; i++)
        paths[i] = ins->in[i].path;
    report_bad_list(b, n, pipeline_bad_count(p), paths, ins->in[0].names, ins->in[0].ncols,
                    o->bad_mode);
    free(paths);
}

/* "1st", "2nd", "3rd", "11th", ... */
static const char *ordinal(uint64_t n)
{
    uint64_t t = n % 100;
    if (t >= 11 && t <= 13)
        return "th";
    return n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
}

int check_bad_budget(struct pipeline *p, const struct inputs *ins, const struct pcsv_opts *o,
                     struct pcsv_error *err)
{
    if (!p || !o->has_max_bad)
        return 0;
    uint64_t bad = pipeline_bad_count(p), rows = pipeline_rows_read(p);
    size_t n;
    const struct badrow *b = pipeline_bad_rows(p, &n);
    char reason[1200] = "", pct[64];
    if (!o->max_bad_is_pct) {
        if (bad <= o->max_bad)
            return 0;
        /* the (N+1)-th in input order: the pipeline kept the first N+1
         * (unless no memory was left for them) */
        uint64_t k = o->max_bad + 1;
        const struct badrow *r = o->max_bad < n ? &b[o->max_bad] : NULL;
        if (r)
            badrow_reason(r, ins->in[0].names, ins->in[0].ncols, ins->in[0].ncols, reason,
                          sizeof reason);
        return pcsv_error_set(err, PCSV_EDATA, 0, r ? ins->in[r->file].path : NULL, r ? r->line : 0,
                              "more than %llu bad row%s (--max-bad-rows %llu)%s%llu%s%s%s",
                              (unsigned long long)o->max_bad, o->max_bad == 1 ? "" : "s",
                              (unsigned long long)o->max_bad, r ? "; the " : "",
                              (unsigned long long)(r ? k : 0), r ? ordinal(k) : "",
                              r ? " is here: " : "", reason);
    }
    /* bad / rows > P / 100, exactly: P is in millionths of a percent */
    if ((unsigned __int128)bad * 100000000u <= (unsigned __int128)o->max_bad_pct * rows)
        return 0;
    uint64_t w = o->max_bad_pct / 1000000, f = o->max_bad_pct % 1000000;
    int k = snprintf(pct, sizeof pct, "%llu.%06llu", (unsigned long long)w, (unsigned long long)f);
    while (pct[k - 1] == '0')
        pct[--k] = 0;
    if (pct[k - 1] == '.')
        pct[--k] = 0;
    return pcsv_error_set(err, PCSV_EDATA, 0, NULL, 0,
                          "more than %s%% of the data rows bad (--max-bad-rows %s%%): %llu of "
                          "%llu",
                          pct, pct, (unsigned long long)bad, (unsigned long long)rows);
}

int finish_run(struct outsink *out, struct pipeline *p, const struct inputs *ins,
               const struct pcsv_opts *o, struct pcsv_error *err)
{
    /* --max-bad-rows: past the budget, the run fails as a whole (no -o,
     * no --rejects file); the warnings and the summary still say which
     * rows were dropped */
    int brc = check_bad_budget(p, ins, o, err);
    if (brc) {
        outsink_abort(out);
        outsink_abort(pipeline_take_rejects(p));
        report_bad_rows(p, ins, o);
        return brc;
    }
    /* Workers format rows on several threads: one warning for the run. */
    if (outfmt_utf8_replaced() && !o->quiet)
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

/* ---- progress: a thread samples the pipeline's byte counter and shows
 * it on stderr, never on a run shorter than PROGRESS_DELAY_MS (nothing
 * flashes by on a quick query).
 *
 * On a terminal: one line redrawn in place every PROGRESS_MS ("\r", the
 * text, erase to the end of the line), erased at the end of the run, and
 * erased by a signal that kills pcsv (SIGINT, SIGTERM, SIGHUP, SIGPIPE: a
 * handler chained in front of outsink's cleanup, see progress_on_signal).
 * Elsewhere (--progress to a file or a pipe): a plain line (no "\r", no
 * escape codes) at most once every PROGRESS_PLAIN_MS, for a log.
 *
 * The line must never be glued to the result on the user's terminal.
 * aggregate, count and stats write their result only after progress_stop
 * has erased the line. filter, select and head stream rows to stdout while
 * they run: when stdout is a terminal or a pipe (whose reader, `| head`,
 * may print to the same terminal at any moment), the terminal line is not
 * drawn by default; with --progress, plain lines are written instead (each
 * ends in a line end, so nothing lands after one), except when stdout is
 * that same terminal: then nothing. Redirected to a file (or -o FILE),
 * the line is drawn as usual. */

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef PROGRESS_MS
#define PROGRESS_MS 250
#endif
#ifndef PROGRESS_PLAIN_MS
#define PROGRESS_PLAIN_MS 1000
#endif
#ifndef PROGRESS_DELAY_MS
#define PROGRESS_DELAY_MS 500
#endif

struct progress {
    pthread_t t;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    bool tty; /* redraw one line in place; else plain lines */
    struct pipeline *p;
    uint64_t total; /* bytes, 0 when unknown (a stream) */
    struct timespec t0;
};

/* The terminal line is on the screen (a signal must erase it), and a
 * signal is killing us (draw no more). Lock-free atomics: read in a
 * signal handler. */
static atomic_int line_shown, dying;
static const int erase_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
#define NERASE_SIGS (sizeof erase_sigs / sizeof erase_sigs[0])
static struct sigaction prev_sa[NERASE_SIGS];
static bool hooked[NERASE_SIGS];

/* Erase the line, then do what was to be done before (outsink's cleanup,
 * which dies of the signal), or die of it. Async-signal-safe: write,
 * atomics, signal, raise. */
static void progress_on_signal(int sig)
{
    atomic_store(&dying, 1);
    if (atomic_exchange(&line_shown, 0)) {
        ssize_t w = write(2, "\r\033[K", 4);
        (void)w;
    }
    for (size_t i = 0; i < NERASE_SIGS; i++) {
        if (erase_sigs[i] != sig)
            continue;
        const struct sigaction *o = &prev_sa[i];
        if (!(o->sa_flags & SA_SIGINFO) && o->sa_handler != SIG_DFL && o->sa_handler != SIG_IGN)
            o->sa_handler(sig);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void hook_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = progress_on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NERASE_SIGS; i++) {
        if (sigaction(erase_sigs[i], NULL, &prev_sa[i]) != 0)
            continue;
        /* ignored (nohup): stays ignored */
        if (!(prev_sa[i].sa_flags & SA_SIGINFO) && prev_sa[i].sa_handler == SIG_IGN)
            continue;
        hooked[i] = sigaction(erase_sigs[i], &sa, NULL) == 0;
    }
}

static void unhook_signals(void)
{
    for (size_t i = 0; i < NERASE_SIGS; i++)
        if (hooked[i]) {
            sigaction(erase_sigs[i], &prev_sa[i], NULL);
            hooked[i] = false;
        }
}

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
        double eta = done ? s * (double)(g->total - (done < g->total ? done : g->total)) /
                                (double)done
                          : 0;
        if (done)
            snprintf(line, sizeof line, "pcsv: %s / %s (%.0f%%)  %s/s  ETA %d:%02d", d, t, pct, r,
                     (int)eta / 60, (int)eta % 60);
        else
            snprintf(line, sizeof line, "pcsv: %s / %s (0%%)", d, t);
    } else {
        snprintf(line, sizeof line, "pcsv: %s  %s/s", d, r);
    }
    /* one write, so that a signal's erase cannot land inside the line */
    char buf[200];
    int n = g->tty ? snprintf(buf, sizeof buf, "\r%s\033[K", line)
                   : snprintf(buf, sizeof buf, "%s\n", line);
    if (n <= 0 || atomic_load(&dying))
        return;
    if (g->tty)
        atomic_store(&line_shown, 1);
    ssize_t w = write(2, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    (void)w;
}

/* Sleep until ms after t0, or until stopped: whether stopped. Under mu. */
static bool wait_until(struct progress *g, long ms)
{
    struct timespec dl, now_m, now_r;
    clock_gettime(CLOCK_MONOTONIC, &now_m);
    clock_gettime(CLOCK_REALTIME, &now_r);
    /* the deadline on the realtime clock the condition variable uses */
    long long left = (long long)ms * 1000000LL -
                     ((long long)(now_m.tv_sec - g->t0.tv_sec) * 1000000000LL +
                      (now_m.tv_nsec - g->t0.tv_nsec));
    if (left < 0)
        left = 0;
    dl.tv_sec = now_r.tv_sec + (time_t)(left / 1000000000LL);
    dl.tv_nsec = now_r.tv_nsec + (long)(left % 1000000000LL);
    if (dl.tv_nsec >= 1000000000L)
        dl.tv_sec++, dl.tv_nsec -= 1000000000L;
    while (!g->stop && pthread_cond_timedwait(&g->cv, &g->mu, &dl) == 0)
        ;
    return g->stop;
}

static void *progress_main(void *arg)
{
    struct progress *g = arg;
    /* the signals are for the other threads to take (their handler
     * erases the line this thread draws) */
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < NERASE_SIGS; i++)
        sigaddset(&set, erase_sigs[i]);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    long every = g->tty ? PROGRESS_MS : PROGRESS_PLAIN_MS;
    pthread_mutex_lock(&g->mu);
    for (long at = PROGRESS_DELAY_MS; !wait_until(g, at); at += every)
        draw(g);
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

/* Whether the command writes its rows to stdout while it runs, where they
 * can reach the terminal the line is on: stdout a terminal, a pipe or a
 * socket. *same_tty: stdout is the very terminal stderr is. */
static bool streams_to_screen(const struct pcsv_opts *o, bool *same_tty)
{
    *same_tty = false;
    bool rows = strcmp(o->command, "filter") == 0 || strcmp(o->command, "select") == 0 ||
                strcmp(o->command, "head") == 0;
    if (!rows || (o->output && strcmp(o->output, "-") != 0))
        return false;
    struct stat so, se;
    if (fstat(1, &so) != 0)
        return false;
    if (isatty(1)) {
        *same_tty = fstat(2, &se) == 0 && so.st_rdev == se.st_rdev;
        return true;
    }
    return S_ISFIFO(so.st_mode) || S_ISSOCK(so.st_mode);
}

struct progress *progress_start(const struct pcsv_opts *o, struct pipeline *p,
                                const struct inputs *ins)
{
    bool tty = isatty(2);
    bool on = o->progress == 1 || (o->progress == -1 && !o->quiet && tty);
    if (!on || !p)
        return NULL;
    bool same_tty, plain = !tty;
    if (tty && streams_to_screen(o, &same_tty)) {
        if (o->progress == -1 || same_tty)
            return NULL;
        plain = true; /* whole lines: another program's output never lands on one */
    }
    struct progress *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->p = p;
    g->tty = !plain;
    for (int i = 0; i < ins->n; i++) {
        if (ins->in[i].is) { /* a stream: no total */
            g->total = 0;
            break;
        }
        g->total += ins->in[i].map.size - ins->in[i].data_begin;
    }
    clock_gettime(CLOCK_MONOTONIC, &g->t0);
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    if (g->tty)
        hook_signals();
    if (pthread_create(&g->t, NULL, progress_main, g) != 0) {
        unhook_signals();
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
    if (atomic_exchange(&line_shown, 0)) { /* erase the line */
        ssize_t w = write(2, "\r\033[K", 4);
        (void)w;
    }
    unhook_signals();
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    free(g);
}
