/* expr.h - the --where language: compile an expression once, test rows with it.
 *
 * expr_compile turns the text into an array of typed nodes (a tree whose
 * children are indexes; `and`/`or` chains are flattened into one node with
 * a list of operands) plus a table of literals, each with its number
 * already parsed, and a table of PCRE2 regular expressions compiled and
 * JIT-compiled once. Column references are resolved against the header at
 * compile time and numbered in "slots": the caller hands expr_eval just the
 * values of the columns the expression reads, in slot order.
 *
 * Syntax (SPEC section 4). A bare word [A-Za-z_][A-Za-z0-9_]* is a header
 * name, unless it is a keyword (and or not in is null true false, in any
 * case) or is followed by `(` (a function: len lower upper trim contains
 * starts_with ends_with abs substr round floor ceil year month day hour
 * minute date date_trunc, in any case); any other name, and a header
 * named like a keyword, is written `in backquotes` (`` for a backquote);
 * $N is the N-th column. Strings take \" \' \\ \n \t \r; any other
 * backslash is kept as written, so "\d+" reaches PCRE2 as \d+. The right
 * side of =~ and !~ must be a string literal: it is compiled once with
 * PCRE2_UTF | PCRE2_MATCH_INVALID_UTF (fields need not be valid UTF-8)
 * and JIT-compiled.
 *
 * Values (SPEC section 4). A field is a string; it is also a number when
 * num_parse accepts it. An empty string is null: an empty field, the
 * literal "" and a function result such as trim("  ") alike. A comparison
 * is numeric (num_cmp: exact between decimals) when both sides are
 * numbers, else a byte-string compare (memcmp, then length). A null
 * compares false with everything (==, !=, <, in, not in, =~, !~) and only
 * `is null` / `is not null` see it. A boolean (true, false, the result of
 * a comparison) is never a number: it compares as the text "true" or
 * "false", so `b == true` holds only for the text true. Truth (only of
 * the whole expression and of the operands of and, or, not): null is false; a number is
 * true when it is not 0 (so the fields "0", "0.0", "-0" are false); any
 * other string is true unless it is "false" (ASCII case-insensitive).
 * Arithmetic on a null or a non-number gives null; + - * of two exact
 * decimals are exact (scale: the larger for + -, the sum for *), % of two
 * exact decimals is the exact remainder (sign of the dividend); / and the
 * cases that would overflow 128 bits or NUM_MAX_SCALE give doubles; / or %
 * by zero, and a NaN, give null. Functions of a null give null; string
 * functions of a number use its text: a field's or literal's as written,
 * a computed decimal's with its scale (1.50 * 2 is "3.00"), a computed
 * double's shortest round-trip text.
 *
 * The functions for computed keys: substr(s, start[, len]) is 1-based in
 * bytes and clips to the text as SQL does (an empty result is null);
 * round(x[, digits]) rounds half away from zero, floor and ceil; all three
 * exact on decimals, as doubles on reals; start, len and digits must be
 * whole numbers. year month day hour minute date and date_trunc(unit, ts)
 * read YYYY-MM-DD, optionally [T ]HH:MM[:SS[.F+]] and Z or +-HH[[:]MM],
 * checked (proleptic Gregorian, years 0000-9999) and taken as written (an
 * offset is not applied); anything else is null. date_trunc's unit (year
 * quarter month week day hour minute, any case) is checked at compile time
 * when it is a literal; it prints YYYY-MM-DD, or YYYY-MM-DDTHH:MM:00 for
 * hour and minute; weeks start on Monday (ISO).
 *
 * Evaluation walks the tree recursively (compile bounds its depth), keeps
 * each slot's parsed number in the per-thread context for the current row
 * (so a field is parsed at most once per expr_eval, however often it is
 * referenced), and takes the results of lower()/upper() and the text of
 * computed numbers from a scratch arena in the context that is reset per
 * row and grows only when a row needs more than any row before it.
 *
 * Threading: a compiled struct expr is read-only and may be shared by any
 * number of threads evaluating at once, each with its own struct expr_ctx.
 * A context belongs to one thread at a time. expr_destroy must not race
 * with anything using the expression or one of its contexts.
 */
#ifndef PCSV_EXPR_H
#define PCSV_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include "../io/status.h"

struct expr;     /* compiled, read-only after compile: shared by all threads */
struct expr_ctx; /* per-thread scratch (PCRE2 match data, per-row caches) */

/* An unquoted field; len 0 = null (p is then not read). */
struct expr_val {
    const uint8_t *p;
    size_t len;
};

/* Compile text against the header names (borrowed for the call only).
 * Returns the expression, owned by the caller (expr_destroy), or NULL with
 * err filled: PCSV_EUSAGE for every mistake in the text, PCSV_ENOMEM.
 * A syntax error's message is three lines: `--where: WHAT at column N`
 * (N 1-based, in bytes of text; at the end of the text it is the last
 * non-blank byte), the text indented by two spaces, and a caret under the
 * spot. An unknown column gives colref_resolve's message (with the list of
 * columns and a did-you-mean) as is. */
struct expr *expr_compile(const char *text, char *const *colnames, int ncols,
                          struct pcsv_error *err);

/* Free e (NULL is fine). Its contexts must be destroyed first or after,
 * but not used afterwards. */
void expr_destroy(struct expr *e);

/* The input columns (0-based) the expression reads, in slot order, each
 * once: the caller passes their values as vals[slot]. Returns the count
 * (0 for an expression of constants); *cols points into e. */
int expr_columns(const struct expr *e, const int **cols);

/* A context for one thread's evaluations of e. NULL on ENOMEM. */
struct expr_ctx *expr_ctx_create(const struct expr *e);
void expr_ctx_destroy(struct expr_ctx *c);

/* 1 if the row matches, 0 if not. vals[slot] for each slot of
 * expr_columns. Does not allocate once the context's scratch arena has
 * grown to the largest row's needs; never blocks. When growing fails, the
 * result of the function that needed the space is taken as null and
 * expr_ctx_status reports it. */
int expr_eval(const struct expr *e, struct expr_ctx *c, const struct expr_val *vals);

/* The value of e for one row as text (a computed key, aggregate --by):
 * 1 with *p, *len set, or 0 for null (*len 0). A boolean is "true" or
 * "false"; a computed number is printed as pcsv prints numbers. The text
 * lies in the row's values, in e, or in c's scratch space, which unlike
 * expr_eval's is not reset per row but only by expr_ctx_reset: a caller
 * may keep the texts of a whole batch of rows, then reset. */
int expr_eval_text(const struct expr *e, struct expr_ctx *c, const struct expr_val *vals,
                   const uint8_t **p, size_t *len);
void expr_ctx_reset(struct expr_ctx *c);

/* 0, or PCSV_ENOMEM once an expr_eval with c could not grow its scratch
 * space (that row's answer may then be wrong: treat the run as failed).
 * Sticky. */
int expr_ctx_status(const struct expr_ctx *c);

/* The compiled tree as text, fully parenthesised and with canonical
 * operators: `a or b and c` gives "(a or (b and c))". For tests and
 * debugging. Writes at most cap bytes including the NUL (like snprintf)
 * and returns the length of the whole description. */
size_t expr_describe(const struct expr *e, char *buf, size_t cap);

#endif
