/* expr.c - the --where language: lexer, parser to a node array, evaluator. */
#define _GNU_SOURCE /* memmem */
#include "expr.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "colref.h"
#include "numfmt.h"

/* Deepest tree (and deepest parser recursion) accepted. Evaluation recurses
 * once or twice per level with about 600 bytes of stack (gcc -O2), so this
 * keeps a worker thread's stack use near 300 KB at worst, sanitizers
 * included well inside a default 8 MB stack. Real filters are a few levels
 * deep; `and`/`or` chains are flat. */
#ifndef EXPR_MAX_DEPTH
#define EXPR_MAX_DEPTH 512
#endif
/* First block of a context's scratch arena. */
#ifndef EXPR_SCRATCH_MIN
#define EXPR_SCRATCH_MIN 1024
#endif
/* Bytes of the expression echoed in an error message around the spot
 * (err->msg holds 1024: the echo, the caret line and the reason). */
#define EXPR_ECHO_MAX 300

/* ------------------------------------------------------------ the compiled form */

enum op {
    OP_LIT, /* aux: literal */
    OP_COL, /* aux: slot */
    OP_NEG, /* a */
    OP_ADD, /* a, b */
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MOD,
    OP_EQ, /* a, b; EQ..GE in the order of the comparison tokens */
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_MATCH, /* a; aux: regex; n: literal holding the pattern text */
    OP_NMATCH,
    OP_IN, /* a; kids[aux, aux + n) */
    OP_NIN,
    OP_ISNULL, /* a */
    OP_NOTNULL,
    OP_NOT, /* a */
    OP_AND, /* kids[aux, aux + n) */
    OP_OR,
    OP_FN, /* fn; kids[aux, aux + n): the arguments */
};

enum fn {
    F_LEN,
    F_LOWER,
    F_UPPER,
    F_TRIM,
    F_CONTAINS,
    F_STARTS_WITH,
    F_ENDS_WITH,
    F_ABS,
    F_SUBSTR,
    F_ROUND,
    F_FLOOR,
    F_CEIL,
    F_YEAR, /* F_YEAR..F_MINUTE in the order of struct dt's fields */
    F_MONTH,
    F_DAY,
    F_HOUR,
    F_MINUTE,
    F_DATE,
    F_DATE_TRUNC,
};

static const struct {
    const char *name;
    int nargs, maxargs; /* maxargs 0: exactly nargs */
} fns[] = {
    [F_LEN] = {"len", 1, 0},
    [F_LOWER] = {"lower", 1, 0},
    [F_UPPER] = {"upper", 1, 0},
    [F_TRIM] = {"trim", 1, 0},
    [F_CONTAINS] = {"contains", 2, 0},
    [F_STARTS_WITH] = {"starts_with", 2, 0},
    [F_ENDS_WITH] = {"ends_with", 2, 0},
    [F_ABS] = {"abs", 1, 0},
    [F_SUBSTR] = {"substr", 2, 3},
    [F_ROUND] = {"round", 1, 2},
    [F_FLOOR] = {"floor", 1, 0},
    [F_CEIL] = {"ceil", 1, 0},
    [F_YEAR] = {"year", 1, 0},
    [F_MONTH] = {"month", 1, 0},
    [F_DAY] = {"day", 1, 0},
    [F_HOUR] = {"hour", 1, 0},
    [F_MINUTE] = {"minute", 1, 0},
    [F_DATE] = {"date", 1, 0},
    [F_DATE_TRUNC] = {"date_trunc", 2, 0},
};
#define NFNS ((int)(sizeof fns / sizeof fns[0]))
#define FN_MAX_ARGS 3

/* date_trunc's units, in the order of enum unit. */
enum unit { U_YEAR, U_QUARTER, U_MONTH, U_WEEK, U_DAY, U_HOUR, U_MINUTE, NUNITS };
static const char *const unit_names[NUNITS] = {"year", "quarter", "month", "week",
                                               "day",  "hour",    "minute"};

struct node {
    uint8_t op, fn;
    uint8_t unit;   /* date_trunc with a literal unit: 1 + enum unit; else 0 */
    int32_t a, b;   /* operand nodes, -1 when unused */
    int32_t aux, n; /* see enum op */
    int32_t depth;  /* of the subtree: checked against EXPR_MAX_DEPTH */
};

enum vtype { V_NULL, V_BOOL, V_STR };

/* A value during evaluation, and a literal. V_STR is text that may also be
 * a number; a computed number is a V_STR with p == NULL until something
 * asks for its text. */
struct xval {
    struct num n;     /* valid when nk is NUM_DEC or NUM_DBL */
    const uint8_t *p; /* the text */
    size_t len;
    int32_t slot; /* a field: the slot whose per-row cache holds n; else -1 */
    int8_t nk;    /* enum num_kind of the text, -1 until parsed */
    uint8_t t;    /* enum vtype */
    bool b;       /* V_BOOL */
    bool quoted;  /* a literal written as a string (for expr_describe) */
};

struct expr {
    struct node *nodes;
    int nnodes, cap_nodes;
    int32_t *kids;
    int nkids, cap_kids;
    struct xval *lits;
    int nlits, cap_lits;
    pcre2_code **res;
    int nres, cap_res;
    int *cols;      /* slot -> input column */
    char **colname; /* slot -> header name (for expr_describe) */
    int nslots, cap_slots;
    char *pool; /* decoded string literals and number texts, never moved */
    size_t pool_used, pool_cap;
    int root;
};

/* ------------------------------------------------------------ the context */

struct slot_cache {
    struct num n;
    uint32_t gen; /* the n is this row's when gen == ctx->gen */
};

/* Scratch blocks are chained and never moved, so text handed out earlier in
 * a row stays valid while later results of the same row need a new block. */
struct scratch_blk {
    struct scratch_blk *next;
    size_t cap, used;
    uint8_t data[];
};

struct expr_ctx {
    uint32_t gen; /* this row's number; 0 is never a current row */
    int status;
    int nslots;
    struct slot_cache *cache;
    pcre2_match_data *md;
    struct scratch_blk *first, *cur;
};

/* ------------------------------------------------------------ small helpers */

static bool grow(void **p, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return true;
    int ncap = *cap ? *cap : 8;
    while (ncap < need)
        ncap *= 2;
    void *q = realloc(*p, (size_t)ncap * elem);
    if (!q)
        return false;
    *p = q;
    *cap = ncap;
    return true;
}

static bool ieq(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

static bool is_ident_start(int ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}
static bool is_ident_char(int ch) { return is_ident_start(ch) || (ch >= '0' && ch <= '9'); }
static bool is_digit(int ch) { return ch >= '0' && ch <= '9'; }
static bool is_space(int ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

/* ------------------------------------------------------------ dates */

/* date_trunc's unit named by text (any case), or -1. */
static int unit_of(const uint8_t *p, size_t n)
{
    for (int u = 0; u < NUNITS; u++)
        if (ieq((const char *)p, n, unit_names[u]))
            return u;
    return -1;
}

/* A date or datetime as written: YYYY-MM-DD, then optionally T or a space,
 * HH:MM, optionally :SS and a fraction .F+, then optionally Z or an offset
 * +HH[:MM] / -HH[:MM]. The fields are taken as written (an offset is
 * checked but not applied). Fixed-width digits, no allocation. */
struct dt {
    int f[5]; /* year, month, day, hour, minute: in the order of F_YEAR.. */
};

static inline int two(const uint8_t *p)
{
    unsigned a = (unsigned)p[0] - '0', b = (unsigned)p[1] - '0';
    return a < 10 && b < 10 ? (int)(a * 10 + b) : -1;
}

static int days_in_month(int y, int m)
{
    static const int8_t dm[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) ? 29 : dm[m];
}

/* Whether the bytes of w under mask (0xFF per byte to check) are all
 * ASCII digits. (A byte that is no digit has a high nibble after the xor,
 * or becomes one when 6 is added; a carry into the next byte can only add
 * to a failure.) */
static inline bool digits8(uint64_t w, uint64_t mask)
{
    uint64_t x = w ^ 0x3030303030303030u;
    return (((x + 0x0606060606060606u) | x) & 0xF0F0F0F0F0F0F0F0u & mask) == 0;
}

static bool parse_dt(const uint8_t *p, size_t n, struct dt *t)
{
    if (n < 10 || p[4] != '-' || p[7] != '-')
        return false;
    uint64_t w;
    memcpy(&w, p, 8); /* YYYY-MM- */
    if (!digits8(w, 0x00FFFF00FFFFFFFFu) || !is_digit(p[8]) || !is_digit(p[9]))
        return false;
    int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    int mo = (p[5] - '0') * 10 + (p[6] - '0'), d = (p[8] - '0') * 10 + (p[9] - '0');
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return false;
    t->f[0] = y, t->f[1] = mo, t->f[2] = d, t->f[3] = 0, t->f[4] = 0;
    if (n == 10)
        return true;
    if (n < 16 || (p[10] != 'T' && p[10] != ' ') || p[13] != ':')
        return false;
    if (n >= 19 && p[16] == ':') { /* THH:MM:SS: one load */
        memcpy(&w, p + 11, 8);
        if (!digits8(w, 0xFFFF00FFFF00FFFFu))
            return false;
    } else if (!is_digit(p[11]) || !is_digit(p[12]) || !is_digit(p[14]) || !is_digit(p[15])) {
        return false;
    }
    int h = (p[11] - '0') * 10 + (p[12] - '0'), mi = (p[14] - '0') * 10 + (p[15] - '0');
    if (h > 23 || mi > 59)
        return false;
    t->f[3] = h, t->f[4] = mi;
    size_t i = 16;
    if (i < n && p[i] == ':') {
        if (i + 3 > n || !is_digit(p[i + 1]) || !is_digit(p[i + 2]) || p[i + 1] > '5')
            return false;
        i += 3;
        if (i < n && p[i] == '.') {
            size_t j = ++i;
            while (i < n && is_digit(p[i]))
                i++;
            if (i == j)
                return false;
        }
    }
    if (i == n)
        return true;
    if (p[i] == 'Z')
        return i + 1 == n;
    if (p[i] != '+' && p[i] != '-')
        return false;
    /* +HH, +HHMM or +HH:MM */
    size_t r = n - i - 1;
    const uint8_t *o = p + i + 1;
    if (r == 2)
        return two(o) >= 0 && two(o) <= 23;
    if (r == 4)
        return two(o) >= 0 && two(o) <= 23 && two(o + 2) >= 0 && two(o + 2) <= 59;
    if (r == 5)
        return two(o) >= 0 && two(o) <= 23 && o[2] == ':' && two(o + 3) >= 0 && two(o + 3) <= 59;
    return false;
}

/* Days since 1970-01-01 of a proleptic Gregorian date, and back
 * (H. Hinnant's civil calendar algorithms). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static void put2(uint8_t *o, int v)
{
    o[0] = (uint8_t)('0' + v / 10);
    o[1] = (uint8_t)('0' + v % 10);
}

/* YYYY-MM-DD (10 bytes), and THH:MM:00 after it when with_time (19). */
static size_t fmt_dt(uint8_t *o, int y, int m, int d, int h, int mi, bool with_time)
{
    put2(o, y / 100);
    put2(o + 2, y % 100);
    o[4] = '-';
    put2(o + 5, m);
    o[7] = '-';
    put2(o + 8, d);
    if (!with_time)
        return 10;
    o[10] = 'T';
    put2(o + 11, h);
    o[13] = ':';
    put2(o + 14, mi);
    memcpy(o + 16, ":00", 3);
    return 19;
}

/* ------------------------------------------------------------ lexer */

enum tok {
    T_EOF,
    T_ERR, /* a lexical error, reported when the parser reaches it */
    T_NUM,
    T_STR,
    T_IDENT,
    T_QNAME,  /* `name` */
    T_DOLLAR, /* $N */
    T_LP,
    T_RP,
    T_COMMA,
    T_OR,
    T_AND,
    T_NOT,
    T_IN,
    T_IS,
    T_NULL,
    T_TRUE,
    T_FALSE,
    T_EQ, /* T_EQ..T_GE in the order of OP_EQ..OP_GE */
    T_NE,
    T_LT,
    T_LE,
    T_GT,
    T_GE,
    T_MATCH,
    T_NMATCH,
    T_PLUS,
    T_MINUS,
    T_STAR,
    T_SLASH,
    T_PCT,
};

struct token {
    enum tok t;
    size_t off, end; /* its bytes [off, end) of the text */
    const char *s;   /* T_STR, T_QNAME, T_NUM: NUL-terminated text in the pool */
    size_t slen;
    bool escaped;     /* T_STR: decoding changed the text */
    long num;         /* T_DOLLAR */
    const char *emsg; /* T_ERR */
};

struct parser {
    const char *text;
    size_t len;
    size_t eof_off; /* where an error "at the end" points: the last non-blank byte */
    struct token *toks;
    size_t ntoks, pos;
    int32_t *stk; /* operands of n-ary nodes being collected */
    int nstk, cap_stk;
    int nest;
    char *const *colnames;
    int ncols;
    struct pcsv_error *err;
    bool failed;
    struct expr *e;
};

static char *pool_put(struct expr *e, size_t n)
{
    /* Sized at compile start for the worst case (every byte of the text,
     * plus a NUL per token): never grows, so pointers into it are stable. */
    if (e->pool_used + n > e->pool_cap)
        return NULL;
    char *p = e->pool + e->pool_used;
    e->pool_used += n;
    return p;
}

static const struct {
    const char *word;
    enum tok t;
} keywords[] = {
    {"and", T_AND}, {"or", T_OR},     {"not", T_NOT},   {"in", T_IN},
    {"is", T_IS},   {"null", T_NULL}, {"true", T_TRUE}, {"false", T_FALSE},
};

/* Lex one token at *i. Returns false when out of pool space (cannot happen
 * with the pool sized as in expr_compile; kept as a guard). */
static bool lex_one(struct parser *ps, size_t *ip, struct token *tk)
{
    const char *s = ps->text;
    size_t n = ps->len, i = *ip;
    memset(tk, 0, sizeof *tk);
    while (i < n && is_space((unsigned char)s[i]))
        i++;
    tk->off = i;
    if (i == n) {
        tk->t = T_EOF;
        tk->off = ps->eof_off;
        tk->end = n;
        *ip = i;
        return true;
    }
    unsigned char ch = (unsigned char)s[i];
    unsigned char nx = i + 1 < n ? (unsigned char)s[i + 1] : 0;
    if (is_digit(ch) || (ch == '.' && is_digit(nx))) {
        size_t j = i;
        while (j < n && is_digit((unsigned char)s[j]))
            j++;
        if (j < n && s[j] == '.') {
            j++;
            while (j < n && is_digit((unsigned char)s[j]))
                j++;
        }
        if (j < n && (s[j] == 'e' || s[j] == 'E')) {
            size_t k = j + 1;
            if (k < n && (s[k] == '+' || s[k] == '-'))
                k++;
            if (k < n && is_digit((unsigned char)s[k])) {
                while (k < n && is_digit((unsigned char)s[k]))
                    k++;
                j = k;
            }
        }
        char *dst = pool_put(ps->e, j - i + 1);
        if (!dst)
            return false;
        memcpy(dst, s + i, j - i);
        dst[j - i] = 0;
        tk->t = T_NUM;
        tk->s = dst;
        tk->slen = j - i;
        tk->end = j;
        *ip = j;
        return true;
    }
    if (is_ident_start(ch)) {
        size_t j = i;
        while (j < n && is_ident_char((unsigned char)s[j]))
            j++;
        tk->t = T_IDENT;
        for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
            if (ieq(s + i, j - i, keywords[k].word))
                tk->t = keywords[k].t;
        tk->end = j;
        *ip = j;
        return true;
    }
    if (ch == '"' || ch == '\'' || ch == '`') {
        /* Decoded text is never longer than the source; the pool has room
         * for the rest of the text (see expr_compile), reserved below once
         * the length is known. */
        struct expr *e = ps->e;
        if (e->pool_cap - e->pool_used < n - i + 1)
            return false;
        char *dst = e->pool + e->pool_used;
        size_t o = 0, j = i + 1;
        bool closed = false;
        while (j < n) {
            char c = s[j];
            if (ch == '`' && c == '`') {
                if (j + 1 < n && s[j + 1] == '`') {
                    dst[o++] = '`';
                    j += 2;
                    continue;
                }
                closed = true;
                j++;
                break;
            }
            if (c == (char)ch) {
                closed = true;
                j++;
                break;
            }
            if (c == '\\' && ch != '`') {
                if (j + 1 >= n)
                    break;
                char d = s[j + 1];
                j += 2;
                tk->escaped = true;
                switch (d) {
                case 'n': dst[o++] = '\n'; break;
                case 't': dst[o++] = '\t'; break;
                case 'r': dst[o++] = '\r'; break;
                case '\\': dst[o++] = '\\'; break;
                case '"': dst[o++] = '"'; break;
                case '\'': dst[o++] = '\''; break;
                default: /* kept as written, so "\d+" is the regex \d+ */
                    dst[o++] = '\\';
                    dst[o++] = d;
                }
                continue;
            }
            dst[o++] = c;
            j++;
        }
        if (!closed) {
            tk->t = T_ERR;
            tk->emsg = ch == '`' ? "unterminated backquoted name" : "unterminated string";
            tk->end = n;
            *ip = n;
            return true;
        }
        dst[o] = 0;
        pool_put(e, o + 1);
        tk->t = ch == '`' ? T_QNAME : T_STR;
        tk->s = dst;
        tk->slen = o;
        tk->end = j;
        *ip = j;
        return true;
    }
    if (ch == '$' && is_digit(nx)) {
        size_t j = i + 1;
        long v = 0;
        while (j < n && is_digit((unsigned char)s[j])) {
            if (v < 1000000000)
                v = v * 10 + (s[j] - '0');
            j++;
        }
        tk->t = T_DOLLAR;
        tk->num = v;
        tk->end = j;
        *ip = j;
        return true;
    }
    size_t len = 1;
    enum tok t = T_ERR;
    switch (ch) {
    case '(': t = T_LP; break;
    case ')': t = T_RP; break;
    case ',': t = T_COMMA; break;
    case '+': t = T_PLUS; break;
    case '-': t = T_MINUS; break;
    case '*': t = T_STAR; break;
    case '/': t = T_SLASH; break;
    case '%': t = T_PCT; break;
    case '=':
        t = nx == '~' ? T_MATCH : T_EQ;
        len = nx == '=' || nx == '~' ? 2 : 1;
        break;
    case '!':
        t = nx == '=' ? T_NE : nx == '~' ? T_NMATCH : T_NOT;
        len = nx == '=' || nx == '~' ? 2 : 1;
        break;
    case '<':
        t = nx == '=' ? T_LE : nx == '>' ? T_NE : T_LT;
        len = nx == '=' || nx == '>' ? 2 : 1;
        break;
    case '>':
        t = nx == '=' ? T_GE : T_GT;
        len = nx == '=' ? 2 : 1;
        break;
    case '&':
        if (nx == '&')
            t = T_AND, len = 2;
        break;
    case '|':
        if (nx == '|')
            t = T_OR, len = 2;
        break;
    default:
        /* show a whole UTF-8 sequence in the "unexpected" message */
        if (ch >= 0xC0)
            while (i + len < n && ((unsigned char)s[i + len] & 0xC0) == 0x80 && len < 4)
                len++;
    }
    if (t == T_ERR)
        tk->emsg = NULL; /* "unexpected 'X'" with the token's own text */
    tk->t = t;
    tk->end = i + len;
    *ip = i + len;
    return true;
}

/* ------------------------------------------------------------ errors */

/* Fill err with the three-line message for a mistake at byte off. */
static int syntax_error(struct parser *ps, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int syntax_error(struct parser *ps, size_t off, const char *fmt, ...)
{
    if (ps->failed)
        return -1;
    ps->failed = true;
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    /* A window of the text around the spot, control characters shown as
     * blanks so the message keeps its three lines. The caret line copies
     * tabs and counts a UTF-8 character as one column, so the caret stands
     * under the spot on a terminal; N itself counts bytes. */
    size_t len = ps->len, ws = 0, we = len;
    if (off > len)
        off = len;
    if (len > EXPR_ECHO_MAX) {
        ws = off > EXPR_ECHO_MAX / 2 ? off - EXPR_ECHO_MAX / 2 : 0;
        we = ws + EXPR_ECHO_MAX < len ? ws + EXPR_ECHO_MAX : len;
    }
    char echo[EXPR_ECHO_MAX + 8], caret[EXPR_ECHO_MAX + 8];
    size_t eo = 0, co = 0;
    if (ws > 0) {
        memcpy(echo, "...", 3), eo = 3;
        memcpy(caret, "   ", 3), co = 3;
    }
    for (size_t i = ws; i < we; i++) {
        unsigned char ch = (unsigned char)ps->text[i];
        echo[eo++] = ch < 0x20 && ch != '\t' ? ' ' : (char)ch;
        if (i < off && (ch & 0xC0) != 0x80)
            caret[co++] = ch == '\t' ? '\t' : ' ';
    }
    if (we < len)
        memcpy(echo + eo, "...", 3), eo += 3;
    echo[eo] = 0;
    caret[co] = 0;
    pcsv_error_set(ps->err, PCSV_EUSAGE, 0, NULL, 0, "--where: %s at column %zu\n  %s\n  %s^", what,
                   off + 1, echo, caret);
    return -1;
}

static int oom(struct parser *ps)
{
    if (!ps->failed) {
        ps->failed = true;
        pcsv_error_set(ps->err, PCSV_ENOMEM, 0, NULL, 0, "--where: out of memory");
    }
    return -1;
}

static const struct token *peek(const struct parser *ps) { return &ps->toks[ps->pos]; }
static const struct token *peek2(const struct parser *ps)
{
    return &ps->toks[ps->pos + 1 < ps->ntoks ? ps->pos + 1 : ps->pos];
}
static void advance(struct parser *ps)
{
    if (ps->pos + 1 < ps->ntoks)
        ps->pos++;
}

/* Report a mistake at the current token: a lexical error there wins (it
 * says more than "expected X"). */
static int fail_here(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail_here(struct parser *ps, const char *fmt, ...)
{
    const struct token *tk = peek(ps);
    if (tk->t == T_ERR && tk->emsg)
        return syntax_error(ps, tk->off, "%s", tk->emsg);
    if (tk->t == T_ERR) {
        size_t n = tk->end - tk->off;
        return syntax_error(ps, tk->off, "unexpected '%.*s'", (int)n, ps->text + tk->off);
    }
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return syntax_error(ps, tk->off, "%s", what);
}

static int fail_unexpected(struct parser *ps)
{
    const struct token *tk = peek(ps);
    size_t n = tk->end - tk->off;
    if (n > 32)
        return fail_here(ps, "unexpected '%.32s...'", ps->text + tk->off);
    return fail_here(ps, "unexpected '%.*s'", (int)n, ps->text + tk->off);
}

/* ------------------------------------------------------------ building nodes */

static bool op_has_kids(int op)
{
    return op == OP_IN || op == OP_NIN || op == OP_AND || op == OP_OR || op == OP_FN;
}

static int mk(struct parser *ps, int op, int a, int b, int aux, int n, size_t off)
{
    struct expr *e = ps->e;
    if (!grow((void **)&e->nodes, &e->cap_nodes, e->nnodes + 1, sizeof *e->nodes))
        return oom(ps);
    int32_t d = 0;
    if (a >= 0 && e->nodes[a].depth > d)
        d = e->nodes[a].depth;
    if (b >= 0 && e->nodes[b].depth > d)
        d = e->nodes[b].depth;
    if (op_has_kids(op))
        for (int k = 0; k < n; k++)
            if (e->nodes[e->kids[aux + k]].depth > d)
                d = e->nodes[e->kids[aux + k]].depth;
    if (d + 1 > EXPR_MAX_DEPTH)
        return syntax_error(ps, off, "expression nested too deeply");
    struct node *nd = &e->nodes[e->nnodes];
    memset(nd, 0, sizeof *nd);
    nd->op = (uint8_t)op;
    nd->a = a;
    nd->b = b;
    nd->aux = aux;
    nd->n = n;
    nd->depth = d + 1;
    return e->nnodes++;
}

static int push(struct parser *ps, int node)
{
    if (!grow((void **)&ps->stk, &ps->cap_stk, ps->nstk + 1, sizeof *ps->stk))
        return oom(ps);
    ps->stk[ps->nstk++] = node;
    return 0;
}

/* Move the operands pushed since base into e->kids; returns their start. */
static int pop_kids(struct parser *ps, int base)
{
    struct expr *e = ps->e;
    int n = ps->nstk - base;
    if (!grow((void **)&e->kids, &e->cap_kids, e->nkids + n, sizeof *e->kids))
        return oom(ps);
    memcpy(e->kids + e->nkids, ps->stk + base, (size_t)n * sizeof *e->kids);
    int start = e->nkids;
    e->nkids += n;
    ps->nstk = base;
    return start;
}

static int add_lit(struct parser *ps, const struct xval *v)
{
    struct expr *e = ps->e;
    if (!grow((void **)&e->lits, &e->cap_lits, e->nlits + 1, sizeof *e->lits))
        return oom(ps);
    e->lits[e->nlits] = *v;
    return e->nlits++;
}

static int mk_lit(struct parser *ps, const struct xval *v, size_t off)
{
    int l = add_lit(ps, v);
    return l < 0 ? -1 : mk(ps, OP_LIT, -1, -1, l, 0, off);
}

/* A literal text value (empty is null), its number parsed now. */
static void text_val(struct xval *v, const char *s, size_t len)
{
    memset(v, 0, sizeof *v);
    v->slot = -1;
    if (len == 0) {
        v->t = V_NULL;
        return;
    }
    v->t = V_STR;
    v->p = (const uint8_t *)s;
    v->len = len;
    v->nk = (int8_t)num_parse(v->p, len, &v->n);
}

static int col_node(struct parser *ps, int col, size_t off)
{
    struct expr *e = ps->e;
    int slot = 0;
    while (slot < e->nslots && e->cols[slot] != col)
        slot++;
    if (slot == e->nslots) {
        int cap = e->cap_slots;
        if (!grow((void **)&e->cols, &cap, e->nslots + 1, sizeof *e->cols))
            return oom(ps);
        cap = e->cap_slots;
        if (!grow((void **)&e->colname, &cap, e->nslots + 1, sizeof *e->colname))
            return oom(ps);
        e->cap_slots = cap;
        e->colname[slot] = strdup(ps->colnames[col]);
        if (!e->colname[slot])
            return oom(ps);
        e->cols[slot] = col;
        e->nslots++;
    }
    return mk(ps, OP_COL, -1, -1, slot, 0, off);
}

static int resolve_name(struct parser *ps, const char *name, size_t off)
{
    int col = colref_resolve(name, ps->colnames, ps->ncols, "--where", ps->err);
    if (col < 0) {
        ps->failed = true;
        return -1;
    }
    return col_node(ps, col, off);
}

/* ------------------------------------------------------------ parser */

static int p_or(struct parser *ps);
static int p_add(struct parser *ps);

static int enter(struct parser *ps)
{
    if (++ps->nest > EXPR_MAX_DEPTH)
        return fail_here(ps, "expression nested too deeply");
    return 0;
}

static int p_call(struct parser *ps)
{
    const struct token *name = peek(ps);
    size_t off = name->off, nlen = name->end - name->off;
    const char *nm = ps->text + off;
    int fn = -1;
    for (int k = 0; k < NFNS; k++)
        if (ieq(nm, nlen, fns[k].name))
            fn = k;
    if (fn < 0)
        return syntax_error(ps, off, "unknown function '%.*s'", (int)nlen, nm);
    advance(ps); /* name */
    advance(ps); /* ( */
    int base = ps->nstk;
    if (peek(ps)->t != T_RP) {
        for (;;) {
            int a = p_or(ps);
            if (a < 0 || push(ps, a) < 0)
                return -1;
            if (peek(ps)->t != T_COMMA)
                break;
            advance(ps);
        }
    }
    if (peek(ps)->t != T_RP)
        return fail_here(ps, "expected ')'");
    advance(ps);
    int nargs = ps->nstk - base;
    if (fns[fn].maxargs && (nargs < fns[fn].nargs || nargs > fns[fn].maxargs))
        return syntax_error(ps, off, "%.*s() takes %d or %d arguments", (int)nlen, nm,
                            fns[fn].nargs, fns[fn].maxargs);
    if (!fns[fn].maxargs && nargs != fns[fn].nargs)
        return syntax_error(ps, off, "%.*s() takes %d argument%s", (int)nlen, nm, fns[fn].nargs,
                            fns[fn].nargs == 1 ? "" : "s");
    int k = pop_kids(ps, base);
    if (k < 0)
        return -1;
    if (fn == F_DATE_TRUNC) { /* a unit written as a literal is checked now */
        const struct node *u = &ps->e->nodes[ps->e->kids[k]];
        const struct xval *lv = u->op == OP_LIT ? &ps->e->lits[u->aux] : NULL;
        int un = lv && lv->t == V_STR ? unit_of(lv->p, lv->len) : -1;
        if (lv && un < 0)
            return syntax_error(ps, off,
                                "date_trunc(): unknown unit '%.*s' (units: year, quarter, "
                                "month, week, day, hour, minute)",
                                lv->t == V_STR ? (int)(lv->len > 40 ? 40 : lv->len) : 0,
                                lv->t == V_STR ? (const char *)lv->p : "");
    }
    int node = mk(ps, OP_FN, -1, -1, k, nargs, off);
    if (node >= 0) {
        struct node *nd = &ps->e->nodes[node];
        nd->fn = (uint8_t)fn;
        const struct node *u = &ps->e->nodes[ps->e->kids[k]];
        if (fn == F_DATE_TRUNC && u->op == OP_LIT) /* checked above */
            nd->unit = (uint8_t)(1 + unit_of(ps->e->lits[u->aux].p, ps->e->lits[u->aux].len));
    }
    return node;
}

static int p_primary(struct parser *ps)
{
    const struct token *tk = peek(ps);
    struct xval v;
    size_t off = tk->off;
    switch (tk->t) {
    case T_NUM:
        text_val(&v, tk->s, tk->slen);
        advance(ps);
        return mk_lit(ps, &v, off);
    case T_STR:
        text_val(&v, tk->s, tk->slen);
        v.quoted = true;
        advance(ps);
        return mk_lit(ps, &v, off);
    case T_TRUE:
    case T_FALSE:
    case T_NULL:
        memset(&v, 0, sizeof v);
        v.slot = -1;
        v.t = tk->t == T_NULL ? V_NULL : V_BOOL;
        v.b = tk->t == T_TRUE;
        advance(ps);
        return mk_lit(ps, &v, off);
    case T_QNAME: {
        const char *name = tk->s;
        advance(ps);
        return resolve_name(ps, name, off);
    }
    case T_DOLLAR:
        if (tk->num < 1 || tk->num > ps->ncols)
            return syntax_error(ps, off, "there is no column %.*s: the input has %d column%s",
                                (int)(tk->end - tk->off), ps->text + off, ps->ncols,
                                ps->ncols == 1 ? "" : "s");
        advance(ps);
        return col_node(ps, (int)tk->num - 1, off);
    case T_IDENT: {
        if (peek2(ps)->t == T_LP)
            return p_call(ps);
        size_t n = tk->end - tk->off;
        char small[128], *name = n < sizeof small ? small : malloc(n + 1);
        if (!name)
            return oom(ps);
        memcpy(name, ps->text + off, n);
        name[n] = 0;
        advance(ps);
        int r = resolve_name(ps, name, off);
        /* A bare word that is no column and looks like no column either is
         * most likely text meant as a value: country == US */
        if (r < 0 && ps->err && ps->err->code == PCSV_EUSAGE &&
            strstr(ps->err->msg, "unknown column") && !strstr(ps->err->msg, "did you mean")) {
            size_t l = strlen(ps->err->msg);
            snprintf(ps->err->msg + l, sizeof ps->err->msg - l,
                     "\n  to compare with the text %s, quote it: \"%s\"", name, name);
        }
        if (name != small)
            free(name);
        return r;
    }
    case T_LP: {
        advance(ps);
        int x = p_or(ps);
        if (x < 0)
            return -1;
        if (peek(ps)->t != T_RP)
            return fail_here(ps, "expected ')'");
        advance(ps);
        return x;
    }
    default: return fail_here(ps, "expected an expression");
    }
}

static int p_unary(struct parser *ps)
{
    if (peek(ps)->t != T_MINUS)
        return p_primary(ps);
    size_t off = peek(ps)->off;
    if (enter(ps) < 0)
        return -1;
    advance(ps);
    int x = p_unary(ps);
    ps->nest--;
    return x < 0 ? -1 : mk(ps, OP_NEG, x, -1, 0, 0, off);
}

static int p_mul(struct parser *ps)
{
    int l = p_unary(ps);
    while (l >= 0) {
        const struct token *tk = peek(ps);
        int op = tk->t == T_STAR    ? OP_MUL
                 : tk->t == T_SLASH ? OP_DIV
                 : tk->t == T_PCT   ? OP_MOD
                                    : -1;
        if (op < 0)
            break;
        size_t off = tk->off;
        advance(ps);
        int r = p_unary(ps);
        l = r < 0 ? -1 : mk(ps, op, l, r, 0, 0, off);
    }
    return l;
}

static int p_add(struct parser *ps)
{
    int l = p_mul(ps);
    while (l >= 0) {
        const struct token *tk = peek(ps);
        int op = tk->t == T_PLUS ? OP_ADD : tk->t == T_MINUS ? OP_SUB : -1;
        if (op < 0)
            break;
        size_t off = tk->off;
        advance(ps);
        int r = p_mul(ps);
        l = r < 0 ? -1 : mk(ps, op, l, r, 0, 0, off);
    }
    return l;
}

/* The operand list of `in`: ( expr, ... ). */
static int p_list(struct parser *ps, int op, int l, size_t off)
{
    if (peek(ps)->t != T_LP)
        return fail_here(ps, "expected '(' after 'in'");
    advance(ps);
    int base = ps->nstk;
    for (;;) {
        int x = p_add(ps);
        if (x < 0 || push(ps, x) < 0)
            return -1;
        if (peek(ps)->t == T_COMMA) {
            advance(ps);
            continue;
        }
        if (peek(ps)->t != T_RP)
            return fail_here(ps, "expected ')'");
        advance(ps);
        break;
    }
    int n = ps->nstk - base;
    int k = pop_kids(ps, base);
    return k < 0 ? -1 : mk(ps, op, l, -1, k, n, off);
}

static int p_regex(struct parser *ps, int op, int l, size_t off)
{
    const struct token *tk = peek(ps);
    if (tk->t != T_STR)
        return fail_here(ps, "expected a string literal after %s", op == OP_MATCH ? "=~" : "!~");
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)tk->s, tk->slen, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
                                   &errcode, &erroff, NULL);
    if (!re) {
        PCRE2_UCHAR msg[160];
        if (pcre2_get_error_message(errcode, msg, sizeof msg) < 0)
            snprintf((char *)msg, sizeof msg, "error %d", errcode);
        /* Point into the literal when its text is the pattern byte for byte. */
        size_t at = tk->escaped ? tk->off : tk->off + 1 + erroff;
        return syntax_error(ps, at, "bad regular expression: %s", (const char *)msg);
    }
    /* Without JIT support pcre2_match interprets: slower, same answers. */
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    struct expr *e = ps->e;
    if (!grow((void **)&e->res, &e->cap_res, e->nres + 1, sizeof *e->res)) {
        pcre2_code_free(re);
        return oom(ps);
    }
    e->res[e->nres++] = re;
    struct xval v;
    memset(&v, 0, sizeof v);
    v.t = V_STR; /* the pattern text, for expr_describe (may be empty) */
    v.p = (const uint8_t *)tk->s;
    v.len = tk->slen;
    v.slot = -1;
    v.nk = NUM_NONE;
    int lit = add_lit(ps, &v);
    if (lit < 0)
        return -1;
    advance(ps);
    return mk(ps, op, l, -1, e->nres - 1, lit, off);
}

static bool starts_comparison(const struct parser *ps)
{
    enum tok t = peek(ps)->t;
    return (t >= T_EQ && t <= T_NMATCH) || t == T_IN || t == T_IS ||
           (t == T_NOT && peek2(ps)->t == T_IN);
}

static int p_cmp(struct parser *ps)
{
    int l = p_add(ps);
    if (l < 0 || !starts_comparison(ps))
        return l;
    const struct token *tk = peek(ps);
    size_t off = tk->off;
    enum tok t = tk->t;
    int x;
    advance(ps);
    if (t >= T_EQ && t <= T_GE) {
        int r = p_add(ps);
        x = r < 0 ? -1 : mk(ps, OP_EQ + (int)(t - T_EQ), l, r, 0, 0, off);
    } else if (t == T_MATCH || t == T_NMATCH) {
        x = p_regex(ps, t == T_MATCH ? OP_MATCH : OP_NMATCH, l, off);
    } else if (t == T_IN) {
        x = p_list(ps, OP_IN, l, off);
    } else if (t == T_NOT) {
        advance(ps); /* in */
        x = p_list(ps, OP_NIN, l, off);
    } else { /* is [not] null */
        bool neg = peek(ps)->t == T_NOT;
        if (neg)
            advance(ps);
        if (peek(ps)->t != T_NULL)
            return fail_here(ps, "expected 'null' after '%s'", neg ? "is not" : "is");
        advance(ps);
        x = mk(ps, neg ? OP_NOTNULL : OP_ISNULL, l, -1, 0, 0, off);
    }
    if (x >= 0 && starts_comparison(ps))
        return fail_here(ps, "comparisons do not chain");
    return x;
}

static int p_not(struct parser *ps)
{
    if (peek(ps)->t != T_NOT)
        return p_cmp(ps);
    size_t off = peek(ps)->off;
    if (enter(ps) < 0)
        return -1;
    advance(ps);
    int x = p_not(ps);
    ps->nest--;
    return x < 0 ? -1 : mk(ps, OP_NOT, x, -1, 0, 0, off);
}

/* `a and b and c` (and the same for or) is one node with a list of
 * operands: long generated chains stay shallow. */
static int p_chain(struct parser *ps, enum tok t, int op, int (*sub)(struct parser *))
{
    int first = sub(ps);
    if (first < 0 || peek(ps)->t != t)
        return first;
    size_t off = peek(ps)->off;
    int base = ps->nstk;
    if (push(ps, first) < 0)
        return -1;
    while (peek(ps)->t == t) {
        advance(ps);
        int x = sub(ps);
        if (x < 0 || push(ps, x) < 0)
            return -1;
    }
    int n = ps->nstk - base;
    int k = pop_kids(ps, base);
    return k < 0 ? -1 : mk(ps, op, -1, -1, k, n, off);
}

static int p_and(struct parser *ps) { return p_chain(ps, T_AND, OP_AND, p_not); }

static int p_or(struct parser *ps)
{
    if (enter(ps) < 0)
        return -1;
    int x = p_chain(ps, T_OR, OP_OR, p_and);
    ps->nest--;
    return x;
}

/* ------------------------------------------------------------ compile */

void expr_destroy(struct expr *e)
{
    if (!e)
        return;
    for (int i = 0; i < e->nres; i++)
        pcre2_code_free(e->res[i]);
    for (int i = 0; i < e->nslots; i++)
        free(e->colname[i]);
    free(e->nodes);
    free(e->kids);
    free(e->lits);
    free(e->res);
    free(e->cols);
    free(e->colname);
    free(e->pool);
    free(e);
}

struct expr *expr_compile(const char *text, char *const *colnames, int ncols,
                          struct pcsv_error *err)
{
    struct parser ps;
    memset(&ps, 0, sizeof ps);
    ps.text = text;
    ps.len = strlen(text);
    ps.colnames = colnames;
    ps.ncols = ncols;
    ps.err = err;
    for (size_t i = ps.len; i-- > 0;)
        if (!is_space((unsigned char)text[i])) {
            ps.eof_off = i;
            break;
        }
    struct expr *e = calloc(1, sizeof *e);
    ps.e = e;
    /* Every token's pool text is at most its own bytes plus a NUL. */
    ps.toks = malloc((ps.len + 1) * sizeof *ps.toks);
    if (e) {
        e->pool_cap = 2 * ps.len + 2;
        e->pool = malloc(e->pool_cap);
    }
    if (!e || !ps.toks || !e->pool) {
        oom(&ps);
        goto fail;
    }
    /* Lex everything first (one-token lookahead is then free); lexing stops
     * at the first error, which becomes a T_ERR token that the parser
     * reports when it gets there, so mistakes are reported in text order. */
    for (size_t i = 0;;) {
        struct token *tk = &ps.toks[ps.ntoks];
        if (!lex_one(&ps, &i, tk)) {
            oom(&ps);
            goto fail;
        }
        ps.ntoks++;
        if (tk->t == T_ERR) {
            struct token *eof = &ps.toks[ps.ntoks++];
            memset(eof, 0, sizeof *eof);
            eof->t = T_EOF;
            eof->off = ps.eof_off;
            break;
        }
        if (tk->t == T_EOF)
            break;
    }
    e->root = p_or(&ps);
    if (e->root >= 0 && peek(&ps)->t != T_EOF)
        fail_unexpected(&ps);
    if (ps.failed)
        goto fail;
    free(ps.toks);
    free(ps.stk);
    return e;
fail:
    free(ps.toks);
    free(ps.stk);
    expr_destroy(e);
    return NULL;
}

int expr_columns(const struct expr *e, const int **cols)
{
    *cols = e->cols;
    return e->nslots;
}

/* ------------------------------------------------------------ contexts */

struct expr_ctx *expr_ctx_create(const struct expr *e)
{
    struct expr_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->nslots = e->nslots;
    c->cache = calloc((size_t)e->nslots + 1, sizeof *c->cache);
    c->first = malloc(sizeof *c->first + EXPR_SCRATCH_MIN);
    /* One ovector pair is enough: we only ask whether a pattern matches
     * (pcre2_match then returns 0 for "matched, ovector too small"). */
    if (e->nres)
        c->md = pcre2_match_data_create(1, NULL);
    if (!c->cache || !c->first || (e->nres && !c->md)) {
        expr_ctx_destroy(c);
        return NULL;
    }
    c->first->next = NULL;
    c->first->cap = EXPR_SCRATCH_MIN;
    c->first->used = 0;
    c->cur = c->first;
    return c;
}

void expr_ctx_destroy(struct expr_ctx *c)
{
    if (!c)
        return;
    for (struct scratch_blk *b = c->first, *nx; b; b = nx) {
        nx = b->next;
        free(b);
    }
    pcre2_match_data_free(c->md);
    free(c->cache);
    free(c);
}

int expr_ctx_status(const struct expr_ctx *c) { return c->status; }

static uint8_t *scratch(struct expr_ctx *c, size_t n)
{
    struct scratch_blk *b = c->cur;
    while (b->cap - b->used < n) {
        if (!b->next) {
            size_t cap = b->cap * 2 > n ? b->cap * 2 : n;
            struct scratch_blk *nb = malloc(sizeof *nb + cap);
            if (!nb) {
                c->status = PCSV_ENOMEM;
                return NULL;
            }
            nb->next = NULL;
            nb->cap = cap;
            b->next = nb;
        }
        b = b->next;
        b->used = 0;
    }
    c->cur = b;
    uint8_t *p = b->data + b->used;
    b->used += n;
    return p;
}

/* ------------------------------------------------------------ values */

static void set_null(struct xval *o)
{
    o->t = V_NULL;
    o->p = NULL;
    o->len = 0;
    o->slot = -1;
    o->nk = NUM_NONE;
}

static void set_bool(struct xval *o, bool b)
{
    set_null(o);
    o->t = V_BOOL;
    o->b = b;
}

static void set_dec(struct xval *o, i128 m, int scale)
{
    set_null(o);
    o->t = V_STR;
    o->nk = NUM_DEC;
    o->n.kind = NUM_DEC;
    o->n.mant = m;
    o->n.scale = (int16_t)scale;
    o->n.d = 0;
}

static void set_dbl(struct xval *o, double d)
{
    set_null(o);
    if (isnan(d))
        return;
    o->t = V_STR;
    o->nk = NUM_DBL;
    o->n.kind = NUM_DBL;
    o->n.d = d;
    o->n.mant = 0;
    o->n.scale = 0;
}

/* The number of v (enum num_kind), parsing a field's text at most once per
 * row through the slot cache. */
static int val_num(struct expr_ctx *c, struct xval *v)
{
    if (v->nk >= 0)
        return v->nk;
    if (v->t != V_STR)
        return v->nk = NUM_NONE;
    if (v->slot >= 0) {
        struct slot_cache *sc = &c->cache[v->slot];
        if (sc->gen != c->gen) {
            num_parse(v->p, v->len, &sc->n);
            sc->gen = c->gen;
        }
        v->n = sc->n;
    } else {
        num_parse(v->p, v->len, &v->n);
    }
    return v->nk = (int8_t)v->n.kind;
}

/* The text of v; false for null (or when the scratch space could not
 * grow, which expr_ctx_status then reports). */
static bool val_text(struct expr_ctx *c, struct xval *v, const uint8_t **p, size_t *len)
{
    if (v->t == V_NULL)
        return false;
    if (v->t == V_BOOL) {
        *p = (const uint8_t *)(v->b ? "true" : "false");
        *len = v->b ? 4 : 5;
        return true;
    }
    if (!v->p) { /* a computed number: its text once, in this row's scratch */
        uint8_t *buf = scratch(c, 48);
        if (!buf)
            return false;
        v->len = v->nk == NUM_DEC ? num_fmt_dec((char *)buf, v->n.mant, v->n.scale)
                                  : num_fmt_double((char *)buf, v->n.d);
        v->p = buf;
    }
    *p = v->p;
    *len = v->len;
    return true;
}

static bool val_truth(struct expr_ctx *c, struct xval *v)
{
    switch (v->t) {
    case V_NULL: return false;
    case V_BOOL: return v->b;
    default:
        switch (val_num(c, v)) {
        case NUM_DEC: return v->n.mant != 0;
        case NUM_DBL: return v->n.d != 0;
        default: return !ieq((const char *)v->p, v->len, "false");
        }
    }
}

/* num_cmp, with a fast path for the common case: two decimals that fit 64
 * bits compare exactly after scaling one by at most 10^18, a 64x64-bit
 * product with no overflow (2^63 * 10^18 < 2^127) and no 128-bit division,
 * which num_cmp needs in general. */
static int cmp_num(const struct num *a, const struct num *b)
{
    if (a->kind == NUM_DEC && b->kind == NUM_DEC) {
        i128 x = a->mant, y = b->mant;
        int d = a->scale - b->scale;
        if (x == (int64_t)x && y == (int64_t)y && d >= -18 && d <= 18) {
            if (d > 0)
                y = (i128)(int64_t)y * (int64_t)num_pow10(d);
            else if (d < 0)
                x = (i128)(int64_t)x * (int64_t)num_pow10(-d);
            return (x > y) - (x < y);
        }
    }
    return num_cmp(a, b);
}

/* <0, 0, >0; or 2 when either side is null (every comparison is false). */
static int val_cmp(struct expr_ctx *c, struct xval *a, struct xval *b)
{
    if (a->t == V_NULL || b->t == V_NULL)
        return 2;
    /* A boolean (true, false, a comparison's result) is never a number, so
     * it compares as its text "true" or "false" (SPEC 4: `b == true` holds
     * only for the text true); truthiness is for whole conditions only. */
    /* A side already known not to be a number (a text literal) spares
     * parsing the other. */
    if (a->nk != NUM_NONE && b->nk != NUM_NONE && val_num(c, a) != NUM_NONE &&
        val_num(c, b) != NUM_NONE)
        return cmp_num(&a->n, &b->n);
    const uint8_t *p, *q;
    size_t m, n;
    if (!val_text(c, a, &p, &m) || !val_text(c, b, &q, &n))
        return 2;
    int r = memcmp(p, q, m < n ? m : n);
    if (r)
        return r < 0 ? -1 : 1;
    return (m > n) - (m < n);
}

/* i128 x * 10^k, false on overflow. */
static bool dec_rescale(i128 *x, int k)
{
    return k == 0 || !__builtin_mul_overflow(*x, num_pow10(k), x);
}

static const i128 I128_MIN = (i128)((unsigned __int128)1 << 127);

static void arith(struct expr_ctx *c, int op, struct xval *a, struct xval *b, struct xval *o)
{
    if (val_num(c, a) == NUM_NONE || val_num(c, b) == NUM_NONE) {
        set_null(o);
        return;
    }
    if (a->nk == NUM_DEC && b->nk == NUM_DEC && op != OP_DIV) {
        i128 x = a->n.mant, y = b->n.mant, r = 0;
        int sa = a->n.scale, sb = b->n.scale, s = sa > sb ? sa : sb;
        bool ok;
        if (op == OP_MUL) {
            s = sa + sb;
            ok = s <= NUM_MAX_SCALE && !__builtin_mul_overflow(x, y, &r);
        } else {
            ok = dec_rescale(&x, s - sa) && dec_rescale(&y, s - sb);
            if (ok && op == OP_ADD)
                ok = !__builtin_add_overflow(x, y, &r);
            else if (ok && op == OP_SUB)
                ok = !__builtin_sub_overflow(x, y, &r);
            else if (ok) { /* OP_MOD */
                if (y == 0) {
                    set_null(o);
                    return;
                }
                r = y == -1 ? 0 : x % y; /* I128_MIN % -1 traps */
            }
        }
        /* I128_MIN has no negation, which num_cmp and friends need. */
        if (ok && r != I128_MIN) {
            set_dec(o, r, s);
            return;
        }
    }
    double x = num_to_double(&a->n), y = num_to_double(&b->n);
    switch (op) {
    case OP_ADD: set_dbl(o, x + y); break;
    case OP_SUB: set_dbl(o, x - y); break;
    case OP_MUL: set_dbl(o, x * y); break;
    case OP_DIV:
        if (y == 0)
            set_null(o);
        else
            set_dbl(o, x / y);
        break;
    default: /* OP_MOD */
        if (y == 0)
            set_null(o);
        else
            set_dbl(o, fmod(x, y));
    }
}

/* ------------------------------------------------------------ evaluation */

static void ev(const struct expr *e, struct expr_ctx *c, const struct expr_val *vals, int i,
               struct xval *o);

/* Match v against regex re: 1, 0, or -1 for null or a matching error. */
static int ev_match(const struct expr *e, struct expr_ctx *c, int re, struct xval *v)
{
    const uint8_t *p;
    size_t len;
    if (!val_text(c, v, &p, &len))
        return -1;
    int rc = pcre2_match(e->res[re], p, len, 0, 0, c->md, NULL);
    if (rc >= 0)
        return 1;
    return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

/* The value of node i: a literal in place, else evaluated into tmp. A
 * literal is complete (its number kind and its text are known), so nothing
 * below ever writes through the pointer: sharing it between threads is
 * safe, and it spares copying the value per row. */
static inline struct xval *operand(const struct expr *e, struct expr_ctx *c,
                                   const struct expr_val *vals, int i, struct xval *tmp)
{
    const struct node *nd = &e->nodes[i];
    if (nd->op == OP_LIT)
        return (struct xval *)&e->lits[nd->aux];
    ev(e, c, vals, i, tmp);
    return tmp;
}

static bool ev_bool(const struct expr *e, struct expr_ctx *c, const struct expr_val *vals, int i)
{
    const struct node *nd = &e->nodes[i];
    struct xval a, tb, *b;
    switch (nd->op) {
    case OP_AND:
        for (int k = 0; k < nd->n; k++)
            if (!ev_bool(e, c, vals, e->kids[nd->aux + k]))
                return false;
        return true;
    case OP_OR:
        for (int k = 0; k < nd->n; k++)
            if (ev_bool(e, c, vals, e->kids[nd->aux + k]))
                return true;
        return false;
    case OP_NOT: return !ev_bool(e, c, vals, nd->a);
    case OP_EQ:
    case OP_NE:
    case OP_LT:
    case OP_LE:
    case OP_GT:
    case OP_GE: {
        ev(e, c, vals, nd->a, &a);
        if (a.t == V_NULL)
            return false;
        b = operand(e, c, vals, nd->b, &tb);
        int r = val_cmp(c, &a, b);
        if (r == 2)
            return false;
        switch (nd->op) {
        case OP_EQ: return r == 0;
        case OP_NE: return r != 0;
        case OP_LT: return r < 0;
        case OP_LE: return r <= 0;
        case OP_GT: return r > 0;
        default: return r >= 0;
        }
    }
    case OP_MATCH:
    case OP_NMATCH: {
        ev(e, c, vals, nd->a, &a);
        int r = ev_match(e, c, nd->aux, &a);
        return r >= 0 && r == (nd->op == OP_MATCH);
    }
    case OP_IN:
    case OP_NIN: {
        ev(e, c, vals, nd->a, &a);
        if (a.t == V_NULL)
            return false;
        bool found = false;
        for (int k = 0; k < nd->n && !found; k++) {
            b = operand(e, c, vals, e->kids[nd->aux + k], &tb);
            found = val_cmp(c, &a, b) == 0;
        }
        return found == (nd->op == OP_IN);
    }
    case OP_ISNULL:
    case OP_NOTNULL: ev(e, c, vals, nd->a, &a); return (a.t == V_NULL) == (nd->op == OP_ISNULL);
    default: ev(e, c, vals, i, &a); return val_truth(c, &a);
    }
}

/* v as a whole number (a decimal or real without a fraction), within
 * +-2^62; false otherwise. */
static bool val_int(struct expr_ctx *c, struct xval *v, int64_t *out)
{
    int k = val_num(c, v);
    if (k == NUM_DEC) {
        i128 p = num_pow10(v->n.scale), m = v->n.mant;
        if (m % p != 0 || m / p > ((i128)1 << 62) || m / p < -((i128)1 << 62))
            return false;
        *out = (int64_t)(m / p);
        return true;
    }
    if (k == NUM_DBL && v->n.d == floor(v->n.d) && fabs(v->n.d) <= 4.6e18) {
        *out = (int64_t)v->n.d;
        return true;
    }
    return false;
}

/* round(x, digits), floor, ceil of an exact decimal, exactly: rounding
 * half away from zero; the result keeps max(digits, 0) fraction digits
 * (round) or none (floor, ceil), or x itself when it has no more. false
 * when the result would not fit (the caller then uses doubles). */
static bool ev_round_dec(int fn, const struct num *x, int64_t digits, struct xval *o)
{
    if (fn != F_ROUND)
        digits = 0;
    int s = x->scale;
    if (digits >= s) {
        set_dec(o, x->mant, s);
        return true;
    }
    int64_t drop = s - digits; /* > 0 fraction digits to drop */
    if (drop > 38) {
        set_dec(o, 0, 0);
        return true;
    }
    i128 p = num_pow10((int)drop), q = x->mant / p, r = x->mant % p;
    if (fn == F_ROUND) {
        i128 ar = r < 0 ? -r : r;
        if (ar >= p - ar) /* |r| >= p / 2, exactly */
            q += x->mant < 0 ? -1 : 1;
    } else if (fn == F_FLOOR && r < 0) {
        q -= 1;
    } else if (fn == F_CEIL && r > 0) {
        q += 1;
    }
    if (digits >= 0) {
        set_dec(o, q, (int)digits);
        return true;
    }
    /* negative digits: back to scale 0 */
    if (!dec_rescale(&q, (int)-digits))
        return false;
    set_dec(o, q, 0);
    return true;
}

/* The date functions, apart from ev_fn's loop over the arguments: the
 * unit of date_trunc is usually known since compile time, and a column's
 * text is taken as is (the Q7 path: a key per row). */
static void ev_date(const struct expr *e, struct expr_ctx *c, const struct expr_val *vals,
                    const struct node *nd, struct xval *o)
{
    const uint8_t *p, *q;
    size_t m, n;
    struct dt t;
    int a0 = nd->fn == F_DATE_TRUNC, unit = U_DAY;
    if (a0 && nd->unit) {
        unit = nd->unit - 1;
    } else if (a0) {
        struct xval u;
        ev(e, c, vals, e->kids[nd->aux], &u);
        if (!val_text(c, &u, &q, &n) || (unit = unit_of(q, n)) < 0) {
            set_null(o);
            return;
        }
    }
    const struct node *an = &e->nodes[e->kids[nd->aux + a0]];
    if (an->op == OP_COL) {
        p = vals[an->aux].p;
        m = vals[an->aux].len;
    } else {
        struct xval a;
        ev(e, c, vals, e->kids[nd->aux + a0], &a);
        if (!val_text(c, &a, &p, &m))
            m = 0;
    }
    if (m == 0 || !parse_dt(p, m, &t)) {
        set_null(o);
        return;
    }
    if (nd->fn < F_DATE) {
        set_dec(o, t.f[nd->fn - F_YEAR], 0);
        return;
    }
    set_null(o);
    o->t = V_STR;
    o->nk = NUM_NONE;
    if (unit == U_DAY) { /* the date as written: no copy */
        o->p = p;
        o->len = 10;
        return;
    }
    int y = t.f[0], mo = t.f[1], d = 1;
    switch (unit) {
    case U_YEAR: mo = 1; break;
    case U_QUARTER: mo = (mo - 1) / 3 * 3 + 1; break;
    case U_WEEK: {
        int64_t z = days_from_civil(y, mo, t.f[2]);
        z -= ((z + 3) % 7 + 7) % 7; /* 1970-01-01 was a Thursday */
        civil_from_days(z, &y, &mo, &d);
        if (y < 0) { /* the week of 0000-01-01 starts before year 0 */
            set_null(o);
            return;
        }
        break;
    }
    case U_HOUR:
    case U_MINUTE: d = t.f[2]; break;
    default: break;
    }
    uint8_t *b = scratch(c, 19);
    if (!b) {
        set_null(o);
        return;
    }
    o->p = b;
    o->len = fmt_dt(b, y, mo, d, t.f[3], unit == U_MINUTE ? t.f[4] : 0, unit >= U_HOUR);
}

static void ev_fn(const struct expr *e, struct expr_ctx *c, const struct expr_val *vals,
                  const struct node *nd, struct xval *o)
{
    struct xval arg[FN_MAX_ARGS];
    const uint8_t *p, *q;
    size_t m, n;
    if (nd->fn >= F_YEAR && nd->fn <= F_DATE_TRUNC) {
        ev_date(e, c, vals, nd, o);
        return;
    }
    for (int k = 0; k < nd->n; k++) {
        ev(e, c, vals, e->kids[nd->aux + k], &arg[k]);
        if (arg[k].t == V_NULL) {
            set_null(o);
            return;
        }
    }
    switch (nd->fn) {
    case F_ABS:
        if (val_num(c, &arg[0]) == NUM_DEC)
            set_dec(o, arg[0].n.mant < 0 ? -arg[0].n.mant : arg[0].n.mant, arg[0].n.scale);
        else if (arg[0].nk == NUM_DBL)
            set_dbl(o, fabs(arg[0].n.d));
        else
            set_null(o);
        return;
    case F_SUBSTR: {
        int64_t start, cnt = INT64_MAX / 4;
        if (!val_text(c, &arg[0], &p, &m) || !val_int(c, &arg[1], &start) ||
            (nd->n == 3 && (!val_int(c, &arg[2], &cnt) || cnt < 0))) {
            set_null(o);
            return;
        }
        /* positions [start, start + cnt) of 1..m, as in SQL */
        int64_t from = start < 1 ? 1 : start;
        int64_t to;
        if (__builtin_add_overflow(start, cnt, &to))
            to = INT64_MAX;
        if (to > (int64_t)m + 1)
            to = (int64_t)m + 1;
        if (to <= from) {
            set_null(o);
            return;
        }
        set_null(o);
        o->t = V_STR;
        o->p = p + from - 1;
        o->len = (size_t)(to - from);
        o->nk = -1;
        return;
    }
    case F_ROUND:
    case F_FLOOR:
    case F_CEIL: {
        int64_t digits = 0;
        int k = val_num(c, &arg[0]);
        if (k == NUM_NONE || (nd->n == 2 && !val_int(c, &arg[1], &digits))) {
            set_null(o);
            return;
        }
        if (k == NUM_DEC && ev_round_dec(nd->fn, &arg[0].n, digits, o))
            return;
        double x = num_to_double(&arg[0].n);
        if (nd->fn == F_FLOOR)
            set_dbl(o, floor(x));
        else if (nd->fn == F_CEIL)
            set_dbl(o, ceil(x));
        else if (digits > 300 || digits < -300)
            set_dbl(o, digits > 0 ? x : 0);
        else {
            double f = pow(10, (double)digits), r = round(x * f) / f;
            set_dbl(o, isfinite(r) ? r : x);
        }
        return;
    }
    case F_LEN:
        if (val_text(c, &arg[0], &p, &m))
            set_dec(o, (i128)m, 0);
        else
            set_null(o);
        return;
    case F_TRIM: {
        if (!val_text(c, &arg[0], &p, &m)) {
            set_null(o);
            return;
        }
        size_t s = 0, t = m;
        while (s < t && (p[s] == ' ' || p[s] == '\t'))
            s++;
        while (t > s && (p[t - 1] == ' ' || p[t - 1] == '\t'))
            t--;
        if (s == t) {
            set_null(o);
            return;
        }
        *o = arg[0];
        if (s || t != m) { /* new text: its number is its own */
            o->t = V_STR;
            o->p = p + s;
            o->len = t - s;
            o->slot = -1;
            o->nk = -1;
        }
        return;
    }
    case F_LOWER:
    case F_UPPER: {
        if (!val_text(c, &arg[0], &p, &m)) {
            set_null(o);
            return;
        }
        const uint8_t lo = nd->fn == F_LOWER ? 'A' : 'a';
        size_t k = 0;
        while (k < m && (unsigned)(p[k] - lo) >= 26)
            k++;
        *o = arg[0];
        if (o->t == V_BOOL) { /* as its text */
            o->t = V_STR;
            o->slot = -1;
            o->nk = NUM_NONE;
        }
        o->p = p;
        o->len = m;
        if (k == m)
            return; /* nothing to change: no copy */
        uint8_t *d = scratch(c, m);
        if (!d) {
            set_null(o);
            return;
        }
        memcpy(d, p, k);
        for (; k < m; k++)
            d[k] = (unsigned)(p[k] - lo) < 26 ? (uint8_t)(p[k] ^ 0x20) : p[k];
        /* Case changes only an exponent's e/E, which keeps the number (and
         * so the slot cache, if any) valid. */
        o->p = d;
        return;
    }
    default: { /* contains, starts_with, ends_with */
        if (!val_text(c, &arg[0], &p, &m) || !val_text(c, &arg[1], &q, &n)) {
            set_null(o);
            return;
        }
        bool r;
        if (nd->fn == F_CONTAINS)
            r = memmem(p, m, q, n) != NULL;
        else if (n > m)
            r = false;
        else if (nd->fn == F_STARTS_WITH)
            r = memcmp(p, q, n) == 0;
        else
            r = memcmp(p + m - n, q, n) == 0;
        set_bool(o, r);
    }
    }
}

static void ev(const struct expr *e, struct expr_ctx *c, const struct expr_val *vals, int i,
               struct xval *o)
{
    const struct node *nd = &e->nodes[i];
    switch (nd->op) {
    case OP_LIT: *o = e->lits[nd->aux]; return;
    case OP_COL: {
        const struct expr_val *v = &vals[nd->aux];
        set_null(o);
        if (v->len) {
            o->t = V_STR;
            o->p = v->p;
            o->len = v->len;
            o->slot = nd->aux;
            o->nk = -1;
        }
        return;
    }
    case OP_NEG: {
        ev(e, c, vals, nd->a, o);
        int k = val_num(c, o);
        if (k == NUM_DEC)
            set_dec(o, -o->n.mant, o->n.scale); /* never I128_MIN: see arith */
        else if (k == NUM_DBL)
            set_dbl(o, -o->n.d);
        else
            set_null(o);
        return;
    }
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_DIV:
    case OP_MOD: {
        struct xval a, tb;
        ev(e, c, vals, nd->a, &a);
        if (a.t == V_NULL) {
            set_null(o);
            return;
        }
        arith(c, nd->op, &a, operand(e, c, vals, nd->b, &tb), o);
        return;
    }
    case OP_FN: ev_fn(e, c, vals, nd, o); return;
    default: /* a predicate */ set_bool(o, ev_bool(e, c, vals, i));
    }
}

int expr_eval(const struct expr *e, struct expr_ctx *c, const struct expr_val *vals)
{
    /* A new row: bumping gen invalidates every slot's cached number at
     * once. After 2^32 rows gen wraps; clear the stamps so none of them
     * looks current by accident. */
    if (++c->gen == 0) {
        for (int s = 0; s < c->nslots; s++)
            c->cache[s].gen = 0;
        c->gen = 1;
    }
    c->cur = c->first;
    c->first->used = 0;
    return ev_bool(e, c, vals, e->root);
}

void expr_ctx_reset(struct expr_ctx *c)
{
    c->cur = c->first;
    c->first->used = 0;
}

int expr_eval_text(const struct expr *e, struct expr_ctx *c, const struct expr_val *vals,
                   const uint8_t **p, size_t *len)
{
    if (++c->gen == 0) { /* as expr_eval */
        for (int s = 0; s < c->nslots; s++)
            c->cache[s].gen = 0;
        c->gen = 1;
    }
    struct xval v;
    ev(e, c, vals, e->root, &v);
    if (!val_text(c, &v, p, len) || *len == 0) {
        *len = 0;
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------ describe */

struct sbuf {
    char *p;
    size_t cap, len;
};

static void put(struct sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++, b->len++)
        if (b->len + 1 < b->cap)
            b->p[b->len] = s[i];
}
static void puts_(struct sbuf *b, const char *s) { put(b, s, strlen(s)); }

static bool plain_name(const char *s)
{
    if (!is_ident_start((unsigned char)s[0]))
        return false;
    for (const char *q = s; *q; q++)
        if (!is_ident_char((unsigned char)*q))
            return false;
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
        if (ieq(s, strlen(s), keywords[k].word))
            return false;
    return true;
}

static void describe_lit(struct sbuf *b, const struct xval *v, bool quoted)
{
    if (v->t == V_NULL) {
        puts_(b, quoted ? "\"\"" : "null");
        return;
    }
    if (v->t == V_BOOL) {
        puts_(b, v->b ? "true" : "false");
        return;
    }
    if (!quoted && !v->quoted) { /* a number, as written */
        put(b, (const char *)v->p, v->len);
        return;
    }
    put(b, "\"", 1);
    for (size_t i = 0; i < v->len; i++) {
        char ch = (char)v->p[i];
        if (ch == '"' || ch == '\\')
            put(b, "\\", 1);
        if (ch == '\n')
            puts_(b, "\\n");
        else if (ch == '\t')
            puts_(b, "\\t");
        else if (ch == '\r')
            puts_(b, "\\r");
        else
            put(b, &ch, 1);
    }
    put(b, "\"", 1);
}

static void describe(const struct expr *e, int i, struct sbuf *b)
{
    static const char *const opname[] = {
        [OP_ADD] = " + ",     [OP_SUB] = " - ",  [OP_MUL] = " * ",       [OP_DIV] = " / ",
        [OP_MOD] = " % ",     [OP_EQ] = " == ",  [OP_NE] = " != ",       [OP_LT] = " < ",
        [OP_LE] = " <= ",     [OP_GT] = " > ",   [OP_GE] = " >= ",       [OP_MATCH] = " =~ ",
        [OP_NMATCH] = " !~ ", [OP_IN] = " in (", [OP_NIN] = " not in (", [OP_AND] = " and ",
        [OP_OR] = " or ",
    };
    const struct node *nd = &e->nodes[i];
    switch (nd->op) {
    case OP_LIT: describe_lit(b, &e->lits[nd->aux], false); return;
    case OP_COL: {
        const char *name = e->colname[nd->aux];
        if (plain_name(name)) {
            puts_(b, name);
            return;
        }
        put(b, "`", 1);
        for (const char *q = name; *q; q++) {
            put(b, q, 1);
            if (*q == '`')
                put(b, "`", 1); /* doubled, as the lexer reads it */
        }
        put(b, "`", 1);
        return;
    }
    case OP_NEG:
    case OP_NOT:
        puts_(b, nd->op == OP_NEG ? "(-" : "(not ");
        describe(e, nd->a, b);
        put(b, ")", 1);
        return;
    case OP_ISNULL:
    case OP_NOTNULL:
        put(b, "(", 1);
        describe(e, nd->a, b);
        puts_(b, nd->op == OP_ISNULL ? " is null)" : " is not null)");
        return;
    case OP_MATCH:
    case OP_NMATCH:
        put(b, "(", 1);
        describe(e, nd->a, b);
        puts_(b, opname[nd->op]);
        describe_lit(b, &e->lits[nd->n], true);
        put(b, ")", 1);
        return;
    case OP_FN:
        puts_(b, fns[nd->fn].name);
        put(b, "(", 1);
        for (int k = 0; k < nd->n; k++) {
            if (k)
                puts_(b, ", ");
            describe(e, e->kids[nd->aux + k], b);
        }
        put(b, ")", 1);
        return;
    case OP_IN:
    case OP_NIN:
        put(b, "(", 1);
        describe(e, nd->a, b);
        puts_(b, opname[nd->op]);
        for (int k = 0; k < nd->n; k++) {
            if (k)
                puts_(b, ", ");
            describe(e, e->kids[nd->aux + k], b);
        }
        puts_(b, "))");
        return;
    case OP_AND:
    case OP_OR:
        put(b, "(", 1);
        for (int k = 0; k < nd->n; k++) {
            if (k)
                puts_(b, opname[nd->op]);
            describe(e, e->kids[nd->aux + k], b);
        }
        put(b, ")", 1);
        return;
    default:
        put(b, "(", 1);
        describe(e, nd->a, b);
        puts_(b, opname[nd->op]);
        describe(e, nd->b, b);
        put(b, ")", 1);
    }
}

size_t expr_describe(const struct expr *e, char *buf, size_t cap)
{
    struct sbuf b = {buf, cap, 0};
    describe(e, e->root, &b);
    if (cap)
        buf[b.len < cap ? b.len : cap - 1] = 0;
    return b.len;
}
