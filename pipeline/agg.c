/* agg.c - plans, partial aggregates and merging (the result table: agg_result.c). */
#include "agg.h"
#include "agg_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "colref.h"
#include "exact.h"
#include "hashtab.h"
#include "numfmt.h"
#include "pipeline.h"

/* ---------------------------------------------------------------- plan */

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

void agg_plan_destroy(struct agg_plan *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nspecs; i++)
        free(p->specs[i].name);
    for (int k = 0; p->key_names && k < p->nkeys; k++)
        free(p->key_names[k]);
    for (int j = 0; j < p->nkx; j++) {
        expr_destroy(p->kx[j].e);
        free(p->kx[j].text);
        free(p->kx[j].slots);
    }
    free(p->kx);
    free(p->key_names);
    free(p->key_expr);
    free(p->specs);
    free(p->vcols);
    free(p->key_cols);
    free(p->key_slot);
    free(p->sel);
    free(p);
}

/* Computed keys' values follow the scanner's selection: slot nsel + j. */
static void kx_slots(struct agg_plan *p)
{
    for (int k = 0; k < p->nkeys; k++)
        if (p->key_expr[k] >= 0)
            p->key_slot[k] = p->nsel + p->key_expr[k];
}

/* The selection slot of column col, adding one when new. */
static int slot_of(struct agg_plan *p, int col) { return scan_sel_slot(p->sel, &p->nsel, col); }

int agg_plan_slot(struct agg_plan *p, int col)
{
    int s = slot_of(p, col);
    kx_slots(p);
    return s;
}

int agg_plan_sort(struct agg_plan *p, const char *spec, struct pcsv_error *err)
{
    char name[512];
    snprintf(name, sizeof name, "%s", spec);
    char *colon = strrchr(name, ':');
    p->sort_desc = false;
    if (colon && (strcmp(colon, ":desc") == 0 || strcmp(colon, ":asc") == 0)) {
        p->sort_desc = colon[1] == 'd';
        *colon = 0;
    }
    for (int k = 0; k < p->nkeys; k++)
        if (strcmp(p->key_names[k], name) == 0)
            return p->sort_col = k, 0;
    for (int i = 0; i < p->nspecs; i++)
        if (strcmp(p->specs[i].name, name) == 0)
            return p->sort_col = p->nkeys + i, 0;
    char list[600];
    size_t o = 0;
    list[0] = 0;
    for (int k = 0; k < p->nkeys && o + 4 < sizeof list; k++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", o ? ", " : "", p->key_names[k]);
    for (int i = 0; i < p->nspecs && o + 4 < sizeof list; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", o ? ", " : "", p->specs[i].name);
    return pcsv_error_set(err, PCSV_EUSAGE, 0, NULL, 0,
                          "--sort: no output column '%s'\n  output columns: %s", name, list);
}

static int vcol_of(struct agg_plan *p, int col)
{
    for (int i = 0; i < p->nvcols; i++)
        if (p->vcols[i].col == col)
            return i;
    p->vcols[p->nvcols] = (struct agg_vcol){.col = col, .slot = slot_of(p, col)};
    return p->nvcols++;
}

static const struct {
    const char *name;
    enum agg_fn fn;
} fn_names[] = {
    {"count", AGG_COUNT_COL},   {"sum", AGG_SUM}, {"mean", AGG_MEAN},     {"avg", AGG_MEAN},
    {"min", AGG_MIN},           {"max", AGG_MAX}, {"first", AGG_FIRST},   {"last", AGG_LAST},
    {"distinct", AGG_DISTINCT}, {"var", AGG_VAR}, {"stddev", AGG_STDDEV},
};

/* The function name closest to a mistyped one, for "did you mean", or NULL:
 * at most 2 edits (1 for names of 3 bytes or less). */
static const char *agg_fn_closest(const char *t)
{
    static const char *const extra[] = {"median"};
    int cap = strlen(t) <= 3 ? 1 : 2, bestd = cap + 1;
    const char *best = NULL;
    for (size_t k = 0; k < sizeof fn_names / sizeof fn_names[0] + 1; k++) {
        size_t nf = sizeof fn_names / sizeof fn_names[0];
        const char *c = k < nf ? fn_names[k].name : extra[k - nf];
        int d = colref_distance(t, c, cap);
        if (d < bestd) {
            bestd = d;
            best = c;
        }
    }
    return best;
}

static char *trim(char *t)
{
    while (*t == ' ' || *t == '\t')
        t++;
    size_t n = strlen(t);
    while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
        t[--n] = 0;
    return t;
}

/* Split s in place on the commas outside parentheses, quotes and
 * backquotes (SPEC 2), items trimmed, empty ones left out. items has room
 * for strlen(s) + 1. Returns the count. */
static int split_top(char *s, char **items)
{
    int n = 0, depth = 0;
    char q = 0, *start = s;
    for (char *c = s;; c++) {
        if (*c == 0 || (!q && depth == 0 && *c == ',')) {
            bool end = *c == 0;
            *c = 0;
            char *t = trim(start);
            if (*t)
                items[n++] = t;
            if (end)
                return n;
            start = c + 1;
        } else if (q) {
            if (*c == '\\' && q != '`' && c[1])
                c++;
            else if (*c == q)
                q = 0;
        } else if (*c == '"' || *c == '\'' || *c == '`') {
            q = *c;
        } else if (*c == '(') {
            depth++;
        } else if (*c == ')' && depth > 0) {
            depth--;
        }
    }
}

/* The one column whose header name is exactly t, or -1 (also when several
 * are: colref_resolve then says it is ambiguous). */
static int exact_col(const char *t, char **colnames, int ncols)
{
    int found = -1;
    for (int c = 0; c < ncols; c++)
        if (strcmp(colnames[c], t) == 0) {
            if (found >= 0)
                return -1;
            found = c;
        }
    return found;
}

/* The '=' of a key written NAME=EXPR: the first '=' before anything that
 * starts an expression, and not part of == != <= >= =~; NULL if none. */
static char *name_eq(char *t)
{
    for (char *c = t; *c; c++) {
        if (strchr("()\"'`$", *c))
            return NULL;
        if (*c == '=')
            return c == t || c[1] == '=' || c[1] == '~' || strchr("!<>", c[-1]) ? NULL : c;
    }
    return NULL;
}

/* A key text that is meant as a column, not an expression: nothing in it
 * an expression needs (a typo then gets colref's did-you-mean). */
static bool looks_plain(const char *t) { return !strpbrk(t, "()\"'`$=<>!~+-*/%|&"); }

/* One --by item: a column key or a computed key. */
static int add_key(struct agg_plan *p, char *t, char **colnames, int ncols, struct pcsv_error *err)
{
    const char *name = NULL;
    char *src = t;
    int c = exact_col(t, colnames, ncols);
    if (c < 0) {
        char *eq = name_eq(t);
        if (eq) {
            *eq = 0;
            name = trim(t);
            src = trim(eq + 1);
            if (!*src) { /* (-1: pcsv_error_set returns the code, which is positive) */
                pcsv_error_set(err, PCSV_EUSAGE, 0, NULL, 0,
                               "--by: '%s=' needs an expression or a column after '='", name);
                return -1;
            }
            c = exact_col(src, colnames, ncols);
        }
        if (c < 0 && looks_plain(src) &&
            (c = colref_resolve(src, colnames, ncols, "--by", err)) < 0)
            return -1;
    }
    int k = p->nkeys;
    p->key_cols[k] = c;
    p->key_expr[k] = -1;
    if (c >= 0) {
        p->key_slot[k] = slot_of(p, c);
    } else {
        struct expr *e = expr_compile(src, colnames, ncols, err);
        if (!e) {
            /* its messages say --where: this expression is a --by */
            char *at = strstr(err->msg, "--where");
            if (at) {
                char msg[sizeof err->msg];
                snprintf(msg, sizeof msg, "%.*s--by%s", (int)(at - err->msg), err->msg, at + 7);
                snprintf(err->msg, sizeof err->msg, "%s", msg);
            }
            return -1;
        }
        struct agg_kexpr *x = &p->kx[p->nkx];
        *x = (struct agg_kexpr){.e = e, .text = strdup(src)};
        const int *cols;
        x->nslots = expr_columns(e, &cols);
        x->slots = malloc(((size_t)x->nslots + 1) * sizeof *x->slots);
        p->key_expr[k] = p->nkx++;
        if (!x->text || !x->slots)
            goto nomem;
        for (int i = 0; i < x->nslots; i++)
            x->slots[i] = slot_of(p, cols[i]);
    }
    p->key_names[k] = strdup(name ? name : c >= 0 ? colnames[c] : src);
    p->nkeys++;
    if (!p->key_names[k])
        goto nomem;
    return 0;
nomem:
    pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    return -1;
}

/* What output column i was asked for without its NAME= (for a message). */
static const char *unnamed(const struct agg_plan *p, char **src, int i)
{
    const char *name = i < p->nkeys ? p->key_names[i] : p->specs[i - p->nkeys].name;
    const char *t = src[i] ? src[i] : name, *eq = strchr(t, '=');
    size_t nl = strlen(name);
    if (eq && strncmp(t, name, nl) == 0 && strspn(t + nl, " \t") == (size_t)(eq - t - nl))
        for (t = eq + 1; *t == ' ' || *t == '\t'; t++)
            ;
    return t;
}

/* Two output columns may never share a name (SPEC 3). src[i]: how output
 * column i was asked for, for the message. */
static int check_names(const struct agg_plan *p, char **src, struct pcsv_error *err)
{
    int n = p->nkeys + p->nspecs;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            const char *a = i < p->nkeys ? p->key_names[i] : p->specs[i - p->nkeys].name;
            const char *b = j < p->nkeys ? p->key_names[j] : p->specs[j - p->nkeys].name;
            if (strcmp(a, b) != 0)
                continue;
            const char *opt = j < p->nkeys ? "--by" : "--agg";
            return pcsv_error_set(
                err, PCSV_EUSAGE, 0, NULL, 0,
                "two output columns are named '%s': %s %s and %s %s; give one another name "
                "with NAME=%s, e.g. %s '%s_2=%s'",
                a, i < p->nkeys ? "--by" : "--agg", src[i] ? src[i] : a, opt, src[j] ? src[j] : b,
                j < p->nkeys ? "EXPR" : "SPEC", opt, b, unnamed(p, src, j));
        }
    return 0;
}

struct agg_plan *agg_plan_create(char **colnames, int ncols, const char *by, const char *aggs,
                                 struct pcsv_error *err)
{
    struct agg_plan *p = calloc(1, sizeof *p);
    char *bycopy = xstrdup(by), *aggcopy = xstrdup(aggs ? aggs : "count");
    char **src = NULL; /* how each output column was asked for (messages) */
    size_t maxitems = (by ? strlen(by) : 0) + strlen(aggcopy ? aggcopy : "") + 2;
    if (!p || (by && !bycopy) || !aggcopy)
        goto nomem;
    p->ncols = ncols;
    p->colnames = colnames;
    p->nselcols = ncols;
    p->sort_col = -1;
    p->sel = malloc(((size_t)ncols + 1) * sizeof *p->sel);
    p->key_cols = calloc(maxitems, sizeof *p->key_cols);
    p->key_slot = calloc(maxitems, sizeof *p->key_slot);
    p->specs = calloc(maxitems, sizeof *p->specs);
    p->vcols = calloc(maxitems, sizeof *p->vcols);
    p->key_names = calloc(maxitems, sizeof *p->key_names);
    p->key_expr = calloc(maxitems, sizeof *p->key_expr);
    p->kx = calloc(maxitems, sizeof *p->kx);
    src = calloc(2 * maxitems, sizeof *src);
    if (!p->sel || !p->key_cols || !p->key_slot || !p->specs || !p->vcols || !p->key_names ||
        !p->key_expr || !p->kx || !src)
        goto nomem;
    scan_sel_init(p->sel, ncols);

    if (bycopy && *bycopy) {
        /* (items keep their text for messages: each is copied first) */
        char **items = calloc(strlen(bycopy) + 2, sizeof *items);
        if (!items)
            goto nomem;
        int ni = split_top(bycopy, items);
        for (int i = 0; i < ni; i++) {
            src[p->nkeys] = strdup(items[i]);
            if (!src[p->nkeys] || add_key(p, items[i], colnames, ncols, err) < 0) {
                free(items);
                if (!src[p->nkeys])
                    goto nomem;
                goto fail;
            }
        }
        free(items);
    }
    char *save = NULL;
    for (char *t = strtok_r(aggcopy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        struct agg_spec *s = &p->specs[p->nspecs];
        t = trim(t);
        if (!*t)
            continue;
        char *sname = NULL, *eq = strchr(t, '='), *colon = strchr(t, ':');
        if (!(src[p->nkeys + p->nspecs] = strdup(t)))
            goto nomem;
        if (eq && (!colon || eq < colon)) { /* NAME=SPEC */
            *eq = 0;
            sname = trim(t);
            t = trim(eq + 1);
            if (!*sname || !*t) {
                pcsv_error_set(err, PCSV_EUSAGE, 0, NULL, 0,
                               "--agg: '%s' needs a name before '=' and a spec after it (e.g. "
                               "revenue=sum:price)",
                               src[p->nkeys + p->nspecs]);
                goto fail;
            }
            colon = strchr(t, ':');
        }
        if (!colon) {
            const char *near = agg_fn_closest(t);
            if (near && strcmp(near, t) != 0) {
                pcsv_error_set(err, PCSV_EUSAGE, 0, NULL, 0,
                               "--agg: unknown function '%s' (did you mean '%s'?)", t, near);
                goto fail;
            }
            if (strcmp(t, "count") != 0) {
                pcsv_error_set(
                    err, PCSV_EUSAGE, 0, NULL, 0,
                    "--agg: '%s' needs a column (e.g. %s:price); only count stands alone", t, t);
                goto fail;
            }
            *s = (struct agg_spec){
                .fn = AGG_COUNT, .col = -1, .vcol = -1, .name = strdup(sname ? sname : "count")};
            if (!s->name)
                goto nomem;
            p->nspecs++;
            continue;
        }
        *colon = 0;
        int fi = -1;
        double q = 0;
        for (size_t k = 0; k < sizeof fn_names / sizeof fn_names[0]; k++)
            if (strcmp(fn_names[k].name, t) == 0)
                fi = (int)k;
        i128 qnum = 50;
        int qscale = 0;
        if (fi < 0 && strcmp(t, "median") == 0) {
            fi = -2;
            q = 0.5;
        } else if (fi < 0 && t[0] == 'p' && t[1]) {
            char *end;
            double pct = strtod(t + 1, &end);
            if (*end == 0 && pct > 0 && pct < 100 && (t[1] >= '0' && t[1] <= '9')) {
                fi = -2;
                q = pct / 100;
                /* N exactly, as qnum / 10^qscale (at most 16 fraction digits) */
                struct num pn;
                char fix[64];
                if (num_parse((const uint8_t *)t + 1, strlen(t + 1), &pn) != NUM_DEC) {
                    snprintf(fix, sizeof fix, "%.16f", pct);
                    num_parse((const uint8_t *)fix, strlen(fix), &pn);
                }
                while (pn.scale > 16) {
                    pn.mant /= 10;
                    pn.scale--;
                }
                qnum = pn.mant;
                qscale = pn.scale;
            }
        }
        if (fi == -1) {
            const char *near = agg_fn_closest(t);
            char hint[80] = "";
            if (near)
                snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
            pcsv_error_set(
                err, PCSV_EUSAGE, 0, NULL, 0,
                "--agg: unknown function '%s'%s\n  known: count, count:C, sum:C, mean:C, "
                "min:C, max:C, first:C, last:C, distinct:C, median:C, pN:C, var:C, stddev:C",
                t, hint);
            goto fail;
        }
        int c = colref_resolve(colon + 1, colnames, ncols, "--agg", err);
        if (c < 0)
            goto fail;
        s->fn = fi >= 0 ? fn_names[fi].fn : AGG_QUANTILE;
        s->col = c;
        s->vcol = vcol_of(p, c);
        struct agg_vcol *v = &p->vcols[s->vcol];
        if (s->fn == AGG_QUANTILE) {
            v->quantile = true;
            s->q = q;
            s->qnum = qnum;
            s->qdscale = qscale + 2; /* q = N / 100 */
            s->qslot = p->nquantiles++;
        }
        if (s->fn == AGG_SUM || s->fn == AGG_MEAN)
            v->sum = true;
        if (s->fn == AGG_MIN || s->fn == AGG_MAX)
            v->minmax = true;
        if (s->fn == AGG_FIRST || s->fn == AGG_LAST)
            v->firstlast = true;
        if (s->fn == AGG_DISTINCT)
            v->distinct = true;
        if (s->fn == AGG_VAR || s->fn == AGG_STDDEV)
            v->var = v->sum = true; /* from the exact sum and sum of squares */
        static const char *suffix[] = {"",      "count", "sum",      "mean", "min", "max",
                                       "first", "last",  "distinct", "",     "var", "stddev"};
        size_t n = strlen(colnames[c]) + strlen(t) + 16; /* "_" + the suffix + NUL */
        s->name = sname ? strdup(sname) : malloc(n);
        if (!s->name)
            goto nomem;
        if (!sname)
            snprintf(s->name, n, "%s_%s", colnames[c], s->fn == AGG_QUANTILE ? t : suffix[s->fn]);
        p->nspecs++;
    }
    if (p->nspecs == 0) {
        pcsv_error_set(err, PCSV_EUSAGE, 0, NULL, 0, "--agg: no aggregate given");
        goto fail;
    }
    if (check_names(p, src, err))
        goto fail;
    kx_slots(p);
    for (size_t i = 0; i < 2 * maxitems; i++)
        free(src[i]);
    free(src);
    free(bycopy);
    free(aggcopy);
    return p;
nomem:
    pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
fail:
    for (size_t i = 0; src && i < 2 * maxitems; i++)
        free(src[i]);
    free(src);
    free(bycopy);
    free(aggcopy);
    agg_plan_destroy(p);
    return NULL;
}

/* ------------------------------------------------------------- partials */

/* Room for composite keys built from computed keys: chained blocks, never
 * moved (keys placed earlier in the batch are referenced by pointer),
 * reused from the first at each batch. */
struct kblk {
    struct kblk *next;
    size_t cap, used;
    uint8_t data[];
};

static int ensure_groups(struct agg_part *a, size_t n)
{
    if (n <= a->cap)
        return 0;
    size_t nc = a->cap ? a->cap : 64;
    while (nc < n)
        nc *= 2;
    uint8_t *r = bigmem_grow(a->recs, a->cap * a->rec_size, nc * a->rec_size);
    if (!r)
        return -1;
    a->recs = r;
    a->cap = nc;
    return 0;
}

static int field_at(size_t *off, size_t size, size_t align)
{
    *off = (*off + align - 1) & ~(align - 1);
    int at = (int)*off;
    *off += size;
    return at;
}

struct agg_part *agg_part_create(const struct agg_plan *plan)
{
    struct agg_part *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->plan = plan;
    a->ht = hashtab_create();
    for (int i = 0; i < plan->nvcols; i++)
        if (plan->vcols[i].distinct && !a->pairs && !(a->pairs = hashtab_create())) {
            agg_part_destroy(a);
            return NULL;
        }
    a->vs = calloc((size_t)plan->nvcols + 1, sizeof *a->vs);
    size_t nsel = (size_t)plan->nsel + (size_t)plan->nkx + 1, nv = (size_t)plan->nvcols + 1;
    if (plan->nkx) {
        int most = 0;
        a->kctx = calloc((size_t)plan->nkx, sizeof *a->kctx);
        for (int j = 0; a->kctx && j < plan->nkx; j++) {
            most = plan->kx[j].nslots > most ? plan->kx[j].nslots : most;
            if (!(a->kctx[j] = expr_ctx_create(plan->kx[j].e))) {
                agg_part_destroy(a);
                return NULL;
            }
        }
        a->kev = calloc((size_t)most + 1, sizeof *a->kev);
        if (!a->kctx || !a->kev) {
            agg_part_destroy(a);
            return NULL;
        }
    }
    a->vals = calloc(SCAN_BATCH_ROWS * nsel, sizeof *a->vals);
    a->nums = calloc(SCAN_BATCH_ROWS * nv, sizeof *a->nums);
    a->kp = calloc(SCAN_BATCH_ROWS, sizeof *a->kp);
    a->kl = calloc(SCAN_BATCH_ROWS, sizeof *a->kl);
    a->kh = calloc(SCAN_BATCH_ROWS, sizeof *a->kh);
    a->grp = calloc(SCAN_BATCH_ROWS, sizeof *a->grp);
    a->drop = calloc(SCAN_BATCH_ROWS, 1);
    a->knum = malloc((size_t)plan->nkeys + 1);
    if (a->knum)
        memset(a->knum, 1, (size_t)plan->nkeys + 1);
    a->knum_left = plan->nkeys;
    if (!a->knum || !a->ht || !a->vs || !a->vals || !a->nums || !a->kp || !a->kl || !a->kh ||
        !a->grp || !a->drop) {
        agg_part_destroy(a);
        return NULL;
    }
    size_t off = sizeof(int64_t); /* the row count at 0 */
    for (int i = 0; i < plan->nvcols; i++) {
        const struct agg_vcol *v = &plan->vcols[i];
        struct vstate *s = &a->vs[i];
        s->o_n = field_at(&off, sizeof(int64_t), 8);
        s->o_sum = s->o_dsum = s->o_nmin = s->o_nmax = s->o_smin = s->o_smax = -1;
        s->o_pfirst = s->o_plast = s->o_sfirst = s->o_slast = s->o_ndistinct = -1;
        s->o_sq = s->o_dsq = -1;
        if (v->var) {
            s->o_sq = field_at(&off, sizeof(struct wide), 16);
            s->o_dsq = field_at(&off, sizeof(struct xsq *), 8);
        }
        if (v->distinct)
            s->o_ndistinct = field_at(&off, sizeof(int64_t), 8);
        if (v->firstlast) {
            s->o_pfirst = field_at(&off, sizeof(uint64_t), 8);
            s->o_plast = field_at(&off, sizeof(uint64_t), 8);
            s->o_sfirst = field_at(&off, sizeof(struct sbuf), 8);
            s->o_slast = field_at(&off, sizeof(struct sbuf), 8);
        }
        if (v->sum) {
            s->o_sum = field_at(&off, sizeof(struct wide), 16);
            s->o_dsum = field_at(&off, sizeof(struct xsum *), 8);
        }
        if (v->minmax) {
            s->o_nmin = field_at(&off, sizeof(struct num), 16);
            s->o_nmax = field_at(&off, sizeof(struct num), 16);
            s->o_smin = field_at(&off, sizeof(struct sbuf), 8);
            s->o_smax = field_at(&off, sizeof(struct sbuf), 8);
        }
    }
    a->rec_size = (off + 15) & ~(size_t)15;
    if (ensure_groups(a, 64)) {
        agg_part_destroy(a);
        return NULL;
    }
    return a;
}

/* Free what the groups' records point to (strings, real accumulators). */
static void free_group_heap(struct agg_part *a)
{
    /* (a table that ran out of memory may know one group more than it has
     * records for) */
    size_t ng = a->ht ? hashtab_size(a->ht) : 0;
    if (ng > a->cap)
        ng = a->cap;
    for (int i = 0; a->vs && a->recs && i < a->plan->nvcols; i++) {
        struct vstate *s = &a->vs[i];
        bool dheap = s->dheap;
        s->dheap = false;
        if (!dheap && s->o_smin < 0 && s->o_sfirst < 0)
            continue; /* (nothing of this column's on the heap: no walk) */
        for (size_t g = 0; g < ng; g++) {
            if (s->o_dsum >= 0 && dheap)
                free(*F(a, g, s->o_dsum, struct xsum *));
            if (s->o_smin >= 0) {
                free(F(a, g, s->o_smin, struct sbuf)->p);
                free(F(a, g, s->o_smax, struct sbuf)->p);
            }
            if (s->o_sfirst >= 0) {
                free(F(a, g, s->o_sfirst, struct sbuf)->p);
                free(F(a, g, s->o_slast, struct sbuf)->p);
            }
            if (s->o_dsq >= 0 && dheap)
                free(*F(a, g, s->o_dsq, struct xsq *));
        }
    }
}

void agg_part_reset(struct agg_part *a)
{
    free_group_heap(a);
    hashtab_clear(a->ht); /* (a new group's record is cleared as it comes) */
    if (a->pairs)
        hashtab_clear(a->pairs);
    a->nqv = a->nqbig = 0;
    a->qkinds = 0;
    a->rows = 0;
    a->append = false;
}

void agg_part_trim(struct agg_part *a)
{
    agg_part_reset(a);
    hashtab_clear(a->ht); /* a second clear of an empty table shrinks its index */
    bigmem_free(a->recs, a->cap * a->rec_size);
    a->recs = NULL;
    a->cap = 0;
    ensure_groups(a, 64);
    free(a->qv);
    free(a->qbig);
    a->qv = NULL;
    a->qbig = NULL;
    a->capqv = a->capqbig = 0;
}

size_t agg_part_bytes(const struct agg_part *a)
{
    const struct agg_plan *p = a->plan;
    size_t ng = hashtab_size(a->ht), per = 0;
    for (int i = 0; i < p->nvcols; i++) {
        const struct agg_vcol *v = &p->vcols[i];
        per += (v->minmax ? 64 : 0) + (v->firstlast ? 64 : 0); /* two small strings each */
        if (a->vs[i].has_dbl)
            per += (v->sum ? sizeof(struct xsum) : 0) + (v->var ? sizeof(struct xsq) : 0);
    }
    return hashtab_bytes(a->ht) + ng * (a->rec_size + per) +
           (a->pairs ? hashtab_bytes(a->pairs) : 0) + a->nqv * sizeof *a->qv +
           a->nqbig * sizeof *a->qbig;
}

void agg_part_prefetch(const struct agg_part *a, uint64_t h) { hashtab_prefetch(a->ht, h); }

int agg_part_reserve(struct agg_part *a, size_t n)
{
    return hashtab_reserve(a->ht, n) < 0 || ensure_groups(a, n) < 0 ? -1 : 0;
}

bool agg_part_key_numeric(const struct agg_part *a, int k) { return a->knum[k]; }
void agg_part_skip_key_facts(struct agg_part *a) { a->knum_left = 0; }

uint64_t agg_part_rows(const struct agg_part *a) { return a->rows; }

bool agg_part_set_append(struct agg_part *a, bool on)
{
    if (!hashtab_size(a->ht))
        a->append = on && !a->pairs;
    return a->append;
}

bool agg_part_appending(const struct agg_part *a) { return a->append; }

void agg_part_destroy(struct agg_part *a)
{
    if (!a)
        return;
    free_group_heap(a);
    bigmem_free(a->recs, a->cap * a->rec_size);
    free(a->vs);
    free(a->arena);
    free(a->vals);
    free(a->nums);
    free(a->kp);
    free(a->kl);
    free(a->kh);
    free(a->grp);
    free(a->drop);
    free(a->knum);
    for (int j = 0; a->kctx && j < a->plan->nkx; j++)
        expr_ctx_destroy(a->kctx[j]);
    free(a->kctx);
    free(a->kev);
    for (struct kblk *b = a->kfirst, *nx; b; b = nx) {
        nx = b->next;
        free(b);
    }
    hashtab_destroy(a->ht);
    hashtab_destroy(a->pairs);
    free(a->pairbuf);
    free(a->qv);
    free(a->qbig);
    free(a->qres);
    free(a);
}

size_t agg_part_groups(const struct agg_part *a) { return hashtab_size(a->ht); }

void agg_part_set_pos_base(struct agg_part *a, uint64_t base) { a->pos_base = base; }

/* Rescale every group's sum of column i to scale ns (> its scale). */
static void rescale(struct agg_part *a, int i, int ns)
{
    struct vstate *s = &a->vs[i];
    if (s->o_sum >= 0) {
        size_t ng = hashtab_size(a->ht);
        for (size_t g = 0; g < ng; g++) {
            if (!exact_wide_mul_pow10(F(a, g, s->o_sum, struct wide), ns - s->scale))
                s->overflow = true;
            if (s->o_sq >= 0) { /* squares are at twice the scale */
                struct wide *sq = F(a, g, s->o_sq, struct wide);
                if (!exact_wide_mul_pow10(sq, ns - s->scale) ||
                    !exact_wide_mul_pow10(sq, ns - s->scale))
                    s->overflow = true;
            }
        }
    }
    s->scale = ns;
}

void agg_part_rescale(struct agg_part *a, int i, int ns) { rescale(a, i, ns); }

int agg_sbuf_set(struct sbuf *b, const uint8_t *p, size_t len)
{
    if (len > b->cap || !b->p) {
        uint8_t *q = realloc(b->p, len ? len : 1);
        if (!q)
            return -1;
        b->p = q;
        b->cap = (uint32_t)(len ? len : 1);
    }
    if (len)
        memcpy(b->p, p, len);
    b->len = (uint32_t)len;
    return 0;
}

/* Room for n more bytes in the batch arena. Values already placed there are
 * referenced by pointer, so the arena is sized before a batch starts and
 * only ever grows between batches. */
static int arena_reserve(struct agg_part *a, size_t n)
{
    if (n <= a->arena_cap)
        return 0;
    size_t nc = a->arena_cap ? a->arena_cap : 4096;
    while (nc < n)
        nc *= 2;
    free(a->arena);
    a->arena = malloc(nc);
    a->arena_cap = a->arena ? nc : 0;
    return a->arena ? 0 : -1;
}

static uint8_t *kblk_alloc(struct agg_part *a, size_t n)
{
    struct kblk *b = a->kcur;
    while (!b || b->cap - b->used < n) {
        struct kblk *nx = b ? b->next : a->kfirst;
        if (!nx) {
            size_t cap = n > ((size_t)64 << 10) ? n : (size_t)64 << 10;
            if (!(nx = malloc(sizeof *nx + cap)))
                return NULL;
            nx->next = NULL;
            nx->cap = cap;
            *(b ? &b->next : &a->kfirst) = nx;
        }
        nx->used = 0;
        b = nx;
    }
    a->kcur = b;
    uint8_t *p = b->data + b->used;
    b->used += n;
    return p;
}

/* A new batch (or agg_part_row's row): the computed keys' texts of the
 * last one are no longer referenced. */
static void keys_reset(struct agg_part *a)
{
    for (int j = 0; j < a->plan->nkx; j++)
        expr_ctx_reset(a->kctx[j]);
    a->kcur = a->kfirst;
    if (a->kfirst)
        a->kfirst->used = 0;
}

/* Evaluate the row's computed keys into vals[nsel + j] (null: the empty
 * key). Then, with more than one key, *arena is room in kblk for the
 * composite key. -1 on ENOMEM. */
static int keys_eval(struct agg_part *a, struct agg_val *vals, uint8_t **arena)
{
    const struct agg_plan *p = a->plan;
    for (int j = 0; j < p->nkx; j++) {
        const struct agg_kexpr *x = &p->kx[j];
        for (int i = 0; i < x->nslots; i++)
            a->kev[i] = (struct expr_val){vals[x->slots[i]].p, vals[x->slots[i]].len};
        struct agg_val *o = &vals[p->nsel + j];
        if (!expr_eval_text(x->e, a->kctx[j], a->kev, &o->p, &o->len))
            o->p = (const uint8_t *)"";
        if (expr_ctx_status(a->kctx[j]))
            return -1;
    }
    if (p->nkeys > 1) {
        size_t need = 0;
        for (int k = 0; k < p->nkeys; k++)
            need += 4 + vals[p->key_slot[k]].len;
        if (!(*arena = kblk_alloc(a, need + 1)))
            return -1;
    }
    return 0;
}

/* Phase 1 of a row: parse and check its values, find its key. Returns 0,
 * 1 when the row is bad (bad() decides: *stop), -1 on ENOMEM. */
static int row_prepare(struct agg_part *a, const struct agg_val *vals, struct num *nums, size_t row,
                       uint8_t **arena, const uint8_t **key, size_t *klen, agg_bad_fn bad,
                       void *ctx, bool *stop)
{
    const struct agg_plan *p = a->plan;
    for (int i = 0; i < p->nvcols; i++) {
        const struct agg_vcol *v = &p->vcols[i];
        const struct agg_val *x = &vals[v->slot];
        if (x->len == 0) {
            nums[i].kind = NUM_NONE;
            continue;
        }
        if (num_parse(x->p, x->len, &nums[i]) == NUM_NONE && (v->sum || v->quantile)) {
            *stop = !bad(ctx, row, v->col, x->p, x->len);
            return 1;
        }
    }
    if (p->nkeys == 0) {
        *key = (const uint8_t *)"";
        *klen = 0;
    } else if (p->nkeys == 1) {
        *key = vals[p->key_slot[0]].p;
        *klen = vals[p->key_slot[0]].len;
    } else {
        /* composite key: (u32 length, bytes) per column, in the arena */
        uint8_t *o = *arena;
        for (int k = 0; k < p->nkeys; k++) {
            uint32_t l = (uint32_t)vals[p->key_slot[k]].len;
            memcpy(o, &l, 4);
            if (l)
                memcpy(o + 4, vals[p->key_slot[k]].p, l);
            o += 4 + l;
        }
        *key = *arena;
        *klen = (size_t)(o - *arena);
        *arena = o;
    }
    return 0;
}

/* Phase 3 of a row: fold its values into group g. */
/* first/last: positions are order-independent facts, so partials filled in
 * any order merge to the same answer. A stored position of 0 means none yet
 * (positions are 1-based). */
int agg_firstlast_update(const struct vstate *s, uint8_t *rec, uint64_t pos, const uint8_t *p,
                         size_t len)
{
    uint64_t *pf = (uint64_t *)(rec + s->o_pfirst), *pl = (uint64_t *)(rec + s->o_plast);
    if ((!*pf || pos < *pf) && agg_sbuf_set((struct sbuf *)(rec + s->o_sfirst), p, len) == 0)
        *pf = pos;
    else if (!*pf || pos < *pf)
        return -1;
    if (pos > *pl) {
        if (agg_sbuf_set((struct sbuf *)(rec + s->o_slast), p, len) < 0)
            return -1;
        *pl = pos;
    }
    return 0;
}

/* Add (vcol, group key, value) to the pair set. */
int agg_pair_add(struct agg_part *a, uint32_t vcol, const uint8_t *gk, size_t gl, const uint8_t *v,
                 size_t vl)
{
    size_t need = 8 + gl + vl;
    if (need > a->paircap) {
        uint8_t *b = realloc(a->pairbuf, need * 2);
        if (!b)
            return -1;
        a->pairbuf = b;
        a->paircap = need * 2;
    }
    uint32_t l = (uint32_t)gl;
    memcpy(a->pairbuf, &vcol, 4);
    memcpy(a->pairbuf + 4, &l, 4);
    if (gl)
        memcpy(a->pairbuf + 8, gk, gl);
    if (vl)
        memcpy(a->pairbuf + 8 + gl, v, vl);
    bool ins;
    return hashtab_upsert(a->pairs, a->pairbuf, need, hashtab_hash(a->pairbuf, need), &ins) < 0 ? -1
                                                                                                : 0;
}

/* Add value q (its vcol and group set), a decimal kept in qbig. */
int agg_qv_add_big(struct agg_part *a, struct qval q, struct qbig b)
{
    if (a->nqbig == a->capqbig) {
        size_t nc = a->capqbig ? a->capqbig * 2 : 64;
        struct qbig *nb = realloc(a->qbig, nc * sizeof *nb);
        if (!nb)
            return -1;
        a->qbig = nb;
        a->capqbig = nc;
    }
    a->qbig[a->nqbig] = b;
    q.u.big = a->nqbig++;
    q.kind = QV_BIG;
    a->qkinds |= 1u << QV_BIG;
    a->qv[a->nqv++] = q;
    return 0;
}

#define QV_SMALL ((i128)1 << 51)
_Static_assert(sizeof(struct qval) == 16 &&
                   offsetof(struct qval, vcol) == offsetof(struct qval, group) + 4 &&
                   __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "qv_slot reads group and vcol as one little-endian word");

int agg_qv_reserve(struct agg_part *a)
{
    if (a->nqv == a->capqv) {
        size_t nc = a->capqv ? a->capqv * 2 : 1024;
        struct qval *q = realloc(a->qv, nc * sizeof *q);
        if (!q)
            return -1;
        a->qv = q;
        a->capqv = nc;
    }
    return 0;
}

static int qv_add(struct agg_part *a, uint32_t vcol, uint32_t g, const struct num *nv)
{
    if (agg_qv_reserve(a) < 0)
        return -1;
    struct qval q = {.u.v = num_to_double(nv), .group = g, .vcol = (uint16_t)vcol};
    if (nv->kind == NUM_DEC) {
        if (nv->mant >= QV_SMALL || nv->mant <= -QV_SMALL || nv->scale > 22)
            return agg_qv_add_big(a, q, (struct qbig){nv->mant, q.u.v, nv->scale});
        q.kind = QV_DEC;
        q.scale = (int8_t)nv->scale;
    }
    a->qkinds |= 1u << q.kind;
    a->qv[a->nqv++] = q;
    return 0;
}

static int row_update(struct agg_part *a, int64_t g, const struct agg_val *vals,
                      const struct num *nums, uint64_t pos)
{
    const struct agg_plan *p = a->plan;
    uint8_t *rec = a->recs + (size_t)g * a->rec_size;
    (*(int64_t *)rec)++;
    for (int i = 0; i < p->nvcols; i++) {
        const struct agg_vcol *v = &p->vcols[i];
        const struct agg_val *x = &vals[v->slot];
        if (x->len == 0)
            continue;
        struct vstate *s = &a->vs[i];
        const struct num *nv = &nums[i];
        (*(int64_t *)(rec + s->o_n))++;
        if (v->firstlast && agg_firstlast_update(s, rec, pos, x->p, x->len) < 0)
            return -1;
        if (v->quantile && qv_add(a, (uint32_t)i, (uint32_t)g, nv) < 0)
            return -1;
        if (v->distinct) {
            size_t gl;
            const uint8_t *gk = hashtab_key(a->ht, (uint32_t)g, &gl);
            if (agg_pair_add(a, (uint32_t)i, gk, gl, x->p, x->len) < 0)
                return -1;
        }
        if (nv->kind == NUM_DEC && nv->scale > s->scale)
            rescale(a, i, nv->scale);
        if (v->sum) {
            struct wide *sum = (struct wide *)(rec + s->o_sum);
            if (v->var) {
                if (nv->kind == NUM_DEC) {
                    i128 m = nv->mant;
                    if (nv->scale < s->scale &&
                        __builtin_mul_overflow(m, num_pow10(s->scale - nv->scale), &m))
                        s->overflow = true;
                    exact_wide_add_square_fast((struct wide *)(rec + s->o_sq), m);
                } else {
                    struct xsq **dq = (struct xsq **)(rec + s->o_dsq);
                    if (!*dq && !(*dq = calloc(1, sizeof(struct xsq))))
                        return -1;
                    s->dheap = true;
                    exact_xsq_add_square(*dq, nv->d);
                }
            }
            if (nv->kind == NUM_DEC) {
                if (nv->scale == s->scale) {
                    exact_wide_add_i128(sum, nv->mant);
                } else {
                    struct wide w = {{0, 0, 0, 0}};
                    exact_wide_add_i128(&w, nv->mant);
                    if (!exact_wide_mul_pow10(&w, s->scale - nv->scale))
                        s->overflow = true;
                    exact_wide_add(sum, &w);
                }
            } else {
                struct xsum **ds = (struct xsum **)(rec + s->o_dsum);
                s->has_dbl = true;
                if (!*ds && !(*ds = calloc(1, sizeof(struct xsum))))
                    return -1;
                s->dheap = true;
                exact_xsum_add(*ds, nv->d);
            }
        }
        if (v->minmax) {
            struct num *mn = (struct num *)(rec + s->o_nmin), *mx = (struct num *)(rec + s->o_nmax);
            if (nv->kind != NUM_NONE) {
                if (nv->kind == NUM_DBL)
                    s->has_dbl = true;
                if (mn->kind == NUM_NONE || num_cmp(nv, mn) < 0)
                    *mn = *nv;
                if (mx->kind == NUM_NONE || num_cmp(nv, mx) > 0)
                    *mx = *nv;
            } else {
                s->nonnum = true;
            }
            /* byte order too: whether the column is numeric is only known
             * at the end of the whole input */
            struct sbuf *smn = (struct sbuf *)(rec + s->o_smin),
                        *smx = (struct sbuf *)(rec + s->o_smax);
            if ((!smn->p || bytes_cmp(x->p, x->len, smn->p, smn->len) < 0) &&
                agg_sbuf_set(smn, x->p, x->len))
                return -1;
            if ((!smx->p || bytes_cmp(x->p, x->len, smx->p, smx->len) > 0) &&
                agg_sbuf_set(smx, x->p, x->len))
                return -1;
        }
    }
    return 0;
}

/* A key value that reads as a number (or is empty: nulls do not decide). */
static bool key_is_num(const uint8_t *p, size_t n)
{
    size_t i = n && p[0] == '-';
    if (n - i > 0 && n - i <= 18) { /* the usual case: plain digits */
        size_t j = i;
        while (j < n && p[j] >= '0' && p[j] <= '9')
            j++;
        if (j == n)
            return true;
    }
    struct num v;
    return n == 0 || num_parse(p, n, &v) != NUM_NONE;
}

/* A new group's key: which key columns stay all numbers (agg_internal.h). */
__attribute__((noinline)) static void key_facts(struct agg_part *a, const uint8_t *key, size_t klen)
{
    int nk = a->plan->nkeys;
    if (nk == 1) {
        if (!key_is_num(key, klen))
            a->knum[0] = 0, a->knum_left = 0;
        return;
    }
    size_t o = 0;
    for (int k = 0; k < nk && o + 4 <= klen; k++) {
        uint32_t l;
        memcpy(&l, key + o, 4);
        if (a->knum[k] && !key_is_num(key + o + 4, l)) {
            a->knum[k] = 0;
            a->knum_left--;
        }
        o += 4 + l;
    }
}

static inline __attribute__((always_inline)) int64_t
group_of(struct agg_part *a, const uint8_t *key, size_t klen, uint64_t h)
{
    bool ins = true;
    int64_t g = a->append ? hashtab_append(a->ht, key, klen, h)
                          : hashtab_upsert(a->ht, key, klen, h, &ins);
    if (g < 0 || (ins && ensure_groups(a, (size_t)g + 1) < 0))
        return -1;
    if (ins) /* here, not at a reset: its line is about to be written */
        memset(a->recs + (size_t)g * a->rec_size, 0, a->rec_size);
    if (__builtin_expect(ins && a->knum_left, 0))
        key_facts(a, key, klen);
    return g;
}

int64_t agg_part_group(struct agg_part *a, const uint8_t *key, size_t klen, uint64_t h)
{
    return group_of(a, key, klen, h);
}

int agg_part_row(struct agg_part *a, const struct agg_val *vals, size_t row, agg_bad_fn bad,
                 void *ctx)
{
    if (a->plan->nkx) { /* the row's values and its computed keys, in a->vals */
        memcpy(a->vals, vals, (size_t)a->plan->nsel * sizeof *vals);
        vals = a->vals;
        uint8_t *unused;
        keys_reset(a);
        if (keys_eval(a, a->vals, &unused) < 0)
            return -1;
    }
    size_t need = 0;
    for (int k = 0; k < a->plan->nkeys; k++)
        need += 4 + vals[a->plan->key_slot[k]].len;
    if (arena_reserve(a, need + 1) < 0)
        return -1;
    uint8_t *arena = a->arena;
    const uint8_t *key;
    size_t klen;
    bool stop = false;
    int rc = row_prepare(a, vals, a->nums, row, &arena, &key, &klen, bad, ctx, &stop);
    if (rc)
        return rc < 0 ? -1 : stop ? 1 : 0;
    int64_t g = group_of(a, key, klen, hashtab_hash(key, klen));
    if (g < 0)
        return -1;
    a->rows++;
    return row_update(a, g, vals, a->nums, a->pos_base + ++a->row_pos);
}

/* Pass 1 of a batch (see agg_part_batch), made twice by the compiler: with
 * computed keys and, unchanged for the usual plan, without. Returns 0, 1
 * to stop, -1 on ENOMEM. */
static inline __attribute__((always_inline)) int
batch_keys(struct agg_part *a, const uint8_t *data, uint8_t quote, const struct scan_batch *b,
           const uint8_t *skip, agg_bad_fn bad, void *ctx, uint8_t *arena, const bool computed)
{
    const struct agg_plan *p = a->plan;
    const size_t nsel = (size_t)p->nsel, nv = (size_t)p->nvcols;
    const size_t nvals = computed ? nsel + (size_t)p->nkx : nsel;
    for (size_t r = 0; r < b->nrows; r++) {
        a->drop[r] = skip && skip[r];
        if (a->drop[r])
            continue;
        const struct scan_field *f = &b->fields[r * nsel];
        struct agg_val *vals = &a->vals[r * nvals];
        for (size_t s = 0; s < nsel; s++)
            vals[s].p = scan_field_value(data, f[s], quote, &arena, &vals[s].len);
        uint8_t *karena = NULL, **kat = &arena;
        if (computed) {
            if (keys_eval(a, vals, &karena) < 0)
                return -1;
            kat = &karena;
        }
        bool stop = false;
        int rc = row_prepare(a, vals, &a->nums[r * nv], r, kat, &a->kp[r], &a->kl[r], bad, ctx,
                             &stop);
        if (rc < 0)
            return -1;
        if (rc) {
            if (stop)
                return 1;
            a->drop[r] = 1;
            continue;
        }
        a->kh[r] = hashtab_hash(a->kp[r], a->kl[r]);
        if (!a->append)
            hashtab_prefetch(a->ht, a->kh[r]);
    }
    return 0;
}

/* A batch goes through in three passes so that the cache misses of a large
 * group table overlap instead of queueing: (1) values, keys and hashes, with
 * a prefetch of each key's slot; (2) the group of each row, with a prefetch
 * of its record; (3) the updates. */
int agg_part_batch(struct agg_part *a, const uint8_t *data, uint8_t quote,
                   const struct scan_batch *b, const uint8_t *skip, agg_bad_fn bad, void *ctx)
{
    const struct agg_plan *p = a->plan;
    const size_t nv = (size_t)p->nvcols;
    const size_t nvals = (size_t)p->nsel + (size_t)p->nkx; /* a row's values: fields, keys */
    const size_t n = b->nrows;
    if (n == 0)
        return 0;
    a->rows += n;
    /* Arena room: unquoted values are never longer than their raw bytes,
     * which all lie in the batch's span; composite keys add 4 bytes a key
     * (with computed keys they are kept in kblk instead). */
    size_t span = (size_t)(b->row_end[n - 1] - b->row_start[0]) + 1, need = span;
    if (p->nkeys > 1) /* a column may be named more than once in --by */
        need += span * (size_t)p->nkeys + n * 4 * (size_t)p->nkeys;
    if (arena_reserve(a, need) < 0)
        return -1;
    int rc;
    if (p->nkx) {
        keys_reset(a);
        rc = batch_keys(a, data, quote, b, skip, bad, ctx, a->arena, true);
    } else {
        rc = batch_keys(a, data, quote, b, skip, bad, ctx, a->arena, false);
    }
    if (rc)
        return rc;
    for (size_t r = 0; r < n; r++) {
        if (a->drop[r])
            continue;
        a->grp[r] = group_of(a, a->kp[r], a->kl[r], a->kh[r]);
        if (a->grp[r] < 0)
            return -1;
        __builtin_prefetch(a->recs + (size_t)a->grp[r] * a->rec_size, 1);
    }
    for (size_t r = 0; r < n; r++)
        if (!a->drop[r] && row_update(a, a->grp[r], &a->vals[r * nvals], &a->nums[r * nv],
                                      a->pos_base + b->row_start[r] + 1) < 0)
            return -1;
    return 0;
}

static int minmax_merge(struct agg_part *into, int64_t gd, const struct agg_part *from, size_t gs,
                        const struct vstate *s)
{
    struct num *dmn = F(into, gd, s->o_nmin, struct num), *dmx = F(into, gd, s->o_nmax, struct num);
    const struct num *smn = F(from, gs, s->o_nmin, struct num),
                     *smx = F(from, gs, s->o_nmax, struct num);
    if (smn->kind != NUM_NONE) {
        if (dmn->kind == NUM_NONE || num_cmp(smn, dmn) < 0)
            *dmn = *smn;
        if (dmx->kind == NUM_NONE || num_cmp(smx, dmx) > 0)
            *dmx = *smx;
    }
    struct sbuf *dsn = F(into, gd, s->o_smin, struct sbuf),
                *dsx = F(into, gd, s->o_smax, struct sbuf);
    const struct sbuf *ssn = F(from, gs, s->o_smin, struct sbuf),
                      *ssx = F(from, gs, s->o_smax, struct sbuf);
    if (ssn->p && (!dsn->p || bytes_cmp(ssn->p, ssn->len, dsn->p, dsn->len) < 0) &&
        agg_sbuf_set(dsn, ssn->p, ssn->len))
        return -1;
    if (ssx->p && (!dsx->p || bytes_cmp(ssx->p, ssx->len, dsx->p, dsx->len) > 0) &&
        agg_sbuf_set(dsx, ssx->p, ssx->len))
        return -1;
    return 0;
}

/* The partition (of nparts) a group hash belongs to: high bits, since the
 * low bits pick the slot in every table. */
static inline unsigned partition_of(uint64_t h, unsigned nparts)
{
    return (unsigned)((h >> 32) % nparts);
}

/* Merge from into into (from unchanged), only the groups whose key hash
 * falls in partition part of nparts (all with nparts 1): agg_combine's
 * threads each fill one partition from every worker's partial at once.
 * -1 on ENOMEM. */
static int merge_groups(struct agg_part *into, const struct agg_part *from, unsigned part,
                        unsigned nparts);

int agg_part_merge(struct agg_part *into, const struct agg_part *from)
{
    return merge_groups(into, from, 0, 1);
}

static int merge_groups(struct agg_part *into, const struct agg_part *from, unsigned part,
                        unsigned nparts)
{
    const struct agg_plan *p = into->plan;
    for (int i = 0; i < p->nvcols; i++) {
        struct vstate *d = &into->vs[i];
        const struct vstate *s = &from->vs[i];
        if (s->scale > d->scale)
            rescale(into, i, s->scale);
        d->has_dbl |= s->has_dbl;
        d->nonnum |= s->nonnum;
        d->overflow |= s->overflow;
    }
    size_t ng = hashtab_size(from->ht);
    /* from's group -> into's group (-1: another partition), for the values
     * of median/pN */
    int64_t *map = from->nqv ? malloc((ng + 1) * sizeof *map) : NULL;
    if (from->nqv && !map)
        return -1;
    for (size_t gs = 0; gs < ng; gs++) {
        uint64_t h = hashtab_key_hash(from->ht, (uint32_t)gs);
        if (map)
            map[gs] = -1;
        if (nparts > 1 && partition_of(h, nparts) != part)
            continue;
        size_t klen;
        const uint8_t *key = hashtab_key(from->ht, (uint32_t)gs, &klen);
        int64_t gd = group_of(into, key, klen, h);
        if (gd < 0) {
            free(map);
            return -1;
        }
        if (map)
            map[gs] = gd;
        *F(into, gd, 0, int64_t) += *F(from, gs, 0, int64_t);
        for (int i = 0; i < p->nvcols; i++) {
            const struct agg_vcol *v = &p->vcols[i];
            struct vstate *d = &into->vs[i];
            const struct vstate *s = &from->vs[i];
            *F(into, gd, d->o_n, int64_t) += *F(from, gs, s->o_n, int64_t);
            if (v->sum) {
                struct wide add = *F(from, gs, s->o_sum, struct wide);
                if (d->scale > s->scale && !exact_wide_mul_pow10(&add, d->scale - s->scale))
                    d->overflow = true;
                exact_wide_add(F(into, gd, d->o_sum, struct wide), &add);
                if (v->var) {
                    struct wide sq = *F(from, gs, s->o_sq, struct wide);
                    if (d->scale > s->scale && (!exact_wide_mul_pow10(&sq, d->scale - s->scale) ||
                                                !exact_wide_mul_pow10(&sq, d->scale - s->scale)))
                        d->overflow = true;
                    exact_wide_add(F(into, gd, d->o_sq, struct wide), &sq);
                    struct xsq *fq = *F(from, gs, s->o_dsq, struct xsq *);
                    if (fq) {
                        struct xsq **dq = F(into, gd, d->o_dsq, struct xsq *);
                        if (!*dq && !(*dq = calloc(1, sizeof(struct xsq))))
                            return -1;
                        d->dheap = true;
                        exact_xsq_merge(*dq, fq);
                    }
                }
                struct xsum *sd = *F(from, gs, s->o_dsum, struct xsum *);
                if (sd) {
                    struct xsum **dd = F(into, gd, d->o_dsum, struct xsum *);
                    if (!*dd && !(*dd = calloc(1, sizeof(struct xsum))))
                        return -1;
                    d->dheap = true;
                    exact_xsum_merge(*dd, sd);
                }
            }
            if (v->minmax && minmax_merge(into, gd, from, gs, s) < 0)
                return -1;
            if (v->firstlast) {
                uint8_t *rec = into->recs + (size_t)gd * into->rec_size;
                uint64_t pf = *F(from, gs, s->o_pfirst, uint64_t),
                         pl = *F(from, gs, s->o_plast, uint64_t);
                const struct sbuf *sf = F(from, gs, s->o_sfirst, struct sbuf);
                const struct sbuf *sl = F(from, gs, s->o_slast, struct sbuf);
                if (pf && agg_firstlast_update(d, rec, pf, sf->p, sf->len) < 0)
                    return -1;
                if (pl && agg_firstlast_update(d, rec, pl, sl->p, sl->len) < 0)
                    return -1;
            }
        }
    }
    /* the pair sets: union, partition by the group's hash */
    size_t np = from->pairs ? hashtab_size(from->pairs) : 0;
    for (size_t i = 0; i < np; i++) {
        size_t len;
        const uint8_t *k = hashtab_key(from->pairs, (uint32_t)i, &len);
        uint32_t gl;
        memcpy(&gl, k + 4, 4);
        if (nparts > 1 && partition_of(hashtab_hash(k + 8, gl), nparts) != part)
            continue;
        bool ins;
        if (hashtab_upsert(into->pairs, k, len, hashtab_key_hash(from->pairs, (uint32_t)i), &ins) <
            0)
            return -1;
    }
    for (size_t i = 0; i < from->nqv; i++) {
        const struct qval *x = &from->qv[i];
        if (map[x->group] < 0)
            continue;
        struct qval q = *x;
        q.group = (uint32_t)map[x->group];
        into->qkinds |= 1u << q.kind;
        if (agg_qv_reserve(into) < 0 ||
            (q.kind == QV_BIG ? agg_qv_add_big(into, q, from->qbig[x->u.big])
                              : (into->qv[into->nqv++] = q, 0)) < 0) {
            free(map);
            return -1;
        }
    }
    free(map);
    return 0;
}

/* ------------------------------------------------------------- combine */

/* Partition i gathers its share of every worker's groups, worker by worker
 * (the fixed order of agg.h). The partitions are disjoint, so each into[i]
 * has one writer and the sources are only read (sealed): no locks. */
struct combine {
    struct agg_part *const *from;
    struct agg_part **into;
    int nfrom, ninto;
};

static int combine_one(void *ctx, int i)
{
    struct combine *m = ctx;
    for (int w = 0; w < m->nfrom; w++)
        if (merge_groups(m->into[i], m->from[w], (unsigned)i, (unsigned)m->ninto) < 0)
            return PCSV_ENOMEM;
    return 0;
}

int agg_combine(const struct agg_plan *plan, struct agg_part **parts, int *nparts,
                struct pcsv_error *err)
{
    int n = *nparts;
    if (n == 0) { /* no worker made a partial (no chunk): one empty one */
        if (!(parts[0] = agg_part_create(plan)))
            return pcsv_error_set(err, PCSV_ENOMEM, 0, NULL, 0, "out of memory");
        *nparts = 1;
        return 0;
    }
    if (n == 1)
        return 0;
    /* as many partitions as workers: the team that filled them merges them */
    struct agg_part **into = calloc((size_t)n, sizeof *into);
    int ninto = 0;
    for (; into && ninto < n && (into[ninto] = agg_part_create(plan)); ninto++)
        ;
    /* each partition's table sized once: the workers usually meet the same
     * keys, so the largest worker's share (and a quarter more) is the
     * likely size; more just grows the table as usual */
    size_t most = 0;
    for (int i = 0; i < n; i++)
        if (agg_part_groups(parts[i]) > most)
            most = agg_part_groups(parts[i]);
    for (int i = 0; i < ninto; i++)
        agg_part_reserve(into[i], most / (size_t)n + most / (size_t)n / 4 + 64);
    /* the sources are only read from now on: free their lookup indexes (a
     * third of their memory with many groups) before the copies grow */
    for (int i = 0; i < n; i++)
        hashtab_drop_index(parts[i]->ht);
    struct combine m = {.from = parts, .into = into, .nfrom = n, .ninto = ninto};
    int rc = 0;
    if (!into || ninto < n || pipeline_parallel(ninto, combine_one, &m) != 0)
        rc = pcsv_error_set(err, PCSV_ENOMEM, 0, NULL, 0, "out of memory");
    for (int i = 0; i < n; i++)
        agg_part_destroy(parts[i]);
    for (int i = 0; i < ninto; i++)
        parts[i] = into[i];
    *nparts = ninto;
    free(into);
    return rc;
}

void agg_parts_unify(struct agg_part *const *parts, int n)
{
    for (int v = 0; n > 0 && v < parts[0]->plan->nvcols; v++) {
        struct vstate all = {0};
        for (int i = 0; i < n; i++) {
            const struct vstate *s = &parts[i]->vs[v];
            all.scale = s->scale > all.scale ? s->scale : all.scale;
            all.has_dbl |= s->has_dbl, all.nonnum |= s->nonnum, all.overflow |= s->overflow;
        }
        for (int i = 0; i < n; i++) {
            struct vstate *s = &parts[i]->vs[v];
            if (s->scale < all.scale)
                agg_part_rescale(parts[i], v, all.scale);
            s->has_dbl = all.has_dbl, s->nonnum = all.nonnum, s->overflow = all.overflow;
        }
    }
}
