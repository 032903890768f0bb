/* test_expr.c - the --where language: parsing and precedence (through
 * expr_describe), every usage error with its exact text and caret, the
 * evaluator's rules for nulls, numbers, strings, regexes and functions, and
 * one compiled expression shared by four threads.
 *
 * Every field is passed as an exact-length heap copy, so an
 * -fsanitize=address build catches a read past a field's end.
 */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pipeline/expr.h"

static char *hdr[] = {"a",      "b",          "c",    "x",        "y",          "price",
                      "status", "unit price", "s",    "n",        "weird`name", "in",
                      "qty",    "country",    "note", "discount", "quantity",   "t"};
#define NHDR ((int)(sizeof hdr / sizeof hdr[0]))

static int col_of(const char *name)
{
    for (int i = 0; i < NHDR; i++)
        if (strcmp(hdr[i], name) == 0)
            return i;
    cr_assert_fail("no test column '%s'", name);
    return -1;
}

static struct expr *compile_ok(const char *text)
{
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    struct expr *e = expr_compile(text, hdr, NHDR, &err);
    cr_assert_not_null(e, "compile '%s': %s", text, err.msg);
    return e;
}

/* Evaluate e on one row given as fields per input column (NULL = empty). */
static int eval_fields(const struct expr *e, struct expr_ctx *c, const char *const *fields)
{
    const int *cols;
    int n = expr_columns(e, &cols);
    struct expr_val vals[NHDR];
    uint8_t *copies[NHDR];
    for (int i = 0; i < n; i++) {
        const char *f = fields[cols[i]] ? fields[cols[i]] : "";
        size_t len = strlen(f);
        copies[i] = malloc(len ? len : 1);
        cr_assert_not_null(copies[i]);
        memcpy(copies[i], f, len);
        vals[i].p = copies[i];
        vals[i].len = len;
    }
    int r = expr_eval(e, c, vals);
    cr_assert_eq(expr_ctx_status(c), 0);
    for (int i = 0; i < n; i++)
        free(copies[i]);
    return r;
}

/* Compile text and evaluate it on a row given as name, value pairs ending
 * with NULL; the columns not named are empty. */
static int where(const char *text, ...)
{
    const char *fields[NHDR] = {0};
    va_list ap;
    va_start(ap, text);
    for (const char *name; (name = va_arg(ap, const char *));)
        fields[col_of(name)] = va_arg(ap, const char *);
    va_end(ap);
    struct expr *e = compile_ok(text);
    struct expr_ctx *c = expr_ctx_create(e);
    cr_assert_not_null(c);
    int r = eval_fields(e, c, fields);
    cr_assert(r == 0 || r == 1);
    expr_ctx_destroy(c);
    expr_destroy(e);
    return r;
}

#define TRUE_(...) cr_expect_eq(where(__VA_ARGS__, NULL), 1, "expected true: %s", #__VA_ARGS__)
#define FALSE_(...) cr_expect_eq(where(__VA_ARGS__, NULL), 0, "expected false: %s", #__VA_ARGS__)

static void expect_tree(const char *text, const char *tree)
{
    struct expr *e = compile_ok(text);
    char buf[512];
    size_t n = expr_describe(e, buf, sizeof buf);
    cr_expect_str_eq(buf, tree, "'%s'", text);
    cr_expect_eq(n, strlen(tree));
    expr_destroy(e);
}

static void expect_error(const char *text, const char *msg)
{
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    struct expr *e = expr_compile(text, hdr, NHDR, &err);
    cr_assert_null(e, "'%s' compiled", text);
    cr_expect_eq(err.code, PCSV_EUSAGE);
    cr_expect_str_eq(err.msg, msg, "'%s'", text);
}

/* ---- parsing and precedence ---- */

Test(expr_parse, or_is_looser_than_and)
{
    expect_tree("a or b and c", "(a or (b and c))");
    expect_tree("a and b or c", "((a and b) or c)");
    expect_tree("(a or b) and c", "((a or b) and c)");
    TRUE_("a or b and c", "a", "1", "b", "0", "c", "0");
    FALSE_("(a or b) and c", "a", "1", "b", "0", "c", "0");
}

Test(expr_parse, not_is_looser_than_comparisons)
{
    expect_tree("not a == b", "(not (a == b))");
    expect_tree("!a == b", "(not (a == b))");
    expect_tree("not not a", "(not (not a))");
    TRUE_("not a == b", "a", "1", "b", "2");
}

Test(expr_parse, unary_minus_is_tighter_than_multiplication)
{
    expect_tree("-x * y", "((-x) * y)");
    expect_tree("- -x", "(-(-x))");
    expect_tree("-(x + y)", "(-(x + y))");
    TRUE_("-x * y == -6", "x", "2", "y", "3");
}

Test(expr_parse, multiplication_before_addition_left_to_right)
{
    expect_tree("1 + 2 * 3 == 7", "((1 + (2 * 3)) == 7)");
    expect_tree("a - b - c", "((a - b) - c)");
    expect_tree("a / b % c", "((a / b) % c)");
    TRUE_("1 + 2 * 3 == 7");
    TRUE_("8 / 4 / 2 == 1");
    TRUE_("10 - 3 - 2 == 5");
}

Test(expr_parse, and_or_chains_are_one_node)
{
    expect_tree("a and b and c", "(a and b and c)");
    expect_tree("a || b || c && x", "(a or b or (c and x))");
}

Test(expr_parse, alternative_operator_spellings)
{
    expect_tree("a = 1 && b <> 2 || !c", "(((a == 1) and (b != 2)) or (not c))");
    expect_tree("a <= 1 and b >= 2 and c < 3 and x > 4",
                "((a <= 1) and (b >= 2) and (c < 3) and (x > 4))");
    expect_tree("s =~ 'a' or s !~ \"b\"", "((s =~ \"a\") or (s !~ \"b\"))");
}

Test(expr_parse, keywords_are_case_insensitive)
{
    expect_tree("x IS NOT NULL AND y In (1, 2) Or NOT c",
                "(((x is not null) and (y in (1, 2))) or (not c))");
    expect_tree("x Not IN ('a') and y is Null", "((x not in (\"a\")) and (y is null))");
    TRUE_("TRUE and not False");
    TRUE_("x IS NULL");
    TRUE_("LEN(s) == 3", "s", "abc");
}

Test(expr_parse, literals)
{
    expect_tree("x == .5 or x == 1e3 or x == 7. or x == 'it\\'s' or x == \"a\\tb\"",
                "((x == .5) or (x == 1e3) or (x == 7.) or (x == \"it's\") or (x == \"a\\tb\"))");
    expect_tree("x == \"10\" or x == true or x == null",
                "((x == \"10\") or (x == true) or (x == null))");
    expect_tree("x == \"\"", "(x == null)"); /* an empty string is null */
}

Test(expr_parse, column_references)
{
    expect_tree("$6 > 1", "(price > 1)");
    expect_tree("`unit price` > 1", "(`unit price` > 1)");
    expect_tree("`weird``name` == 1", "(`weird``name` == 1)");
    expect_tree("`in` == 1", "(`in` == 1)");
    TRUE_("$6 > 100", "price", "150");
    TRUE_("`unit price` * qty >= 1000", "unit price", "12.5", "qty", "80");
    TRUE_("`weird``name` == 'w'", "weird`name", "w");
    TRUE_("`in` == 3", "in", "3");
}

Test(expr_parse, columns_are_slots_in_first_use_order_each_once)
{
    struct expr *e = compile_ok("price > 1 and $1 == 2 and price < 5 and `unit price` > $6");
    const int *cols;
    cr_assert_eq(expr_columns(e, &cols), 3);
    cr_expect_eq(cols[0], 5);
    cr_expect_eq(cols[1], 0);
    cr_expect_eq(cols[2], 7);
    expr_destroy(e);
    e = compile_ok("1 < 2");
    cr_expect_eq(expr_columns(e, &cols), 0);
    expr_destroy(e);
}

Test(expr_parse, functions_and_lists)
{
    expect_tree("contains(lower(s), 'x') and abs(n - 1) < len(trim(s))",
                "(contains(lower(s), \"x\") and (abs((n - 1)) < len(trim(s))))");
    expect_tree("n in (1, -2, 3 + 4)", "(n in (1, (-2), (3 + 4)))");
}

/* ---- usage errors ---- */

Test(expr_error, missing_close_paren_points_at_the_end)
{
    expect_error("price > (3 + 4", "--where: expected ')' at column 14\n"
                                   "  price > (3 + 4\n"
                                   "               ^");
    expect_error("len(s", "--where: expected ')' at column 5\n"
                          "  len(s\n"
                          "      ^");
    expect_error("n in (1, 2", "--where: expected ')' at column 10\n"
                               "  n in (1, 2\n"
                               "           ^");
}

Test(expr_error, expected_an_expression)
{
    expect_error("price >", "--where: expected an expression at column 7\n"
                            "  price >\n"
                            "        ^");
    expect_error("price > )", "--where: expected an expression at column 9\n"
                              "  price > )\n"
                              "          ^");
    expect_error("", "--where: expected an expression at column 1\n"
                     "  \n"
                     "  ^");
    expect_error("n in ()", "--where: expected an expression at column 7\n"
                            "  n in ()\n"
                            "        ^");
}

Test(expr_error, unexpected_stray_token)
{
    expect_error("price > 3 4", "--where: unexpected '4' at column 11\n"
                                "  price > 3 4\n"
                                "            ^");
    expect_error("price )", "--where: unexpected ')' at column 7\n"
                            "  price )\n"
                            "        ^");
    expect_error("a & b", "--where: unexpected '&' at column 3\n"
                          "  a & b\n"
                          "    ^");
    expect_error("a # b", "--where: unexpected '#' at column 3\n"
                          "  a # b\n"
                          "    ^");
    expect_error("a not b", "--where: unexpected 'not' at column 3\n"
                            "  a not b\n"
                            "    ^");
}

Test(expr_error, unterminated_string)
{
    expect_error("s == \"abc", "--where: unterminated string at column 6\n"
                               "  s == \"abc\n"
                               "       ^");
    expect_error("s == 'ab\\'", "--where: unterminated string at column 6\n"
                                "  s == 'ab\\'\n"
                                "       ^");
}

Test(expr_error, unknown_function_and_arity)
{
    expect_error("foo(x) > 1", "--where: unknown function 'foo' at column 1\n"
                               "  foo(x) > 1\n"
                               "  ^");
    expect_error("s == 1 or len(s, x) > 1", "--where: len() takes 1 argument at column 11\n"
                                            "  s == 1 or len(s, x) > 1\n"
                                            "            ^");
    expect_error("contains(s)", "--where: contains() takes 2 arguments at column 1\n"
                                "  contains(s)\n"
                                "  ^");
}

Test(expr_error, bad_regular_expression_points_into_the_pattern)
{
    expect_error("s =~ \"(ab\"", "--where: bad regular expression: missing closing parenthesis at "
                                 "column 10\n"
                                 "  s =~ \"(ab\"\n"
                                 "           ^");
    expect_error("s =~ 'a\\tb[' ",
                 "--where: bad regular expression: missing terminating ] for character class at "
                 "column 6\n"
                 "  s =~ 'a\\tb[' \n"
                 "       ^");
}

Test(expr_error, regex_needs_a_string_literal)
{
    expect_error("s =~ x", "--where: expected a string literal after =~ at column 6\n"
                           "  s =~ x\n"
                           "       ^");
    expect_error("s !~ 5", "--where: expected a string literal after !~ at column 6\n"
                           "  s !~ 5\n"
                           "       ^");
}

Test(expr_error, comparisons_do_not_chain)
{
    expect_error("a < b < c", "--where: comparisons do not chain at column 7\n"
                              "  a < b < c\n"
                              "        ^");
    expect_error("a == b in (1)", "--where: comparisons do not chain at column 8\n"
                                  "  a == b in (1)\n"
                                  "         ^");
    expect_error("a is null is null", "--where: comparisons do not chain at column 11\n"
                                      "  a is null is null\n"
                                      "            ^");
}

Test(expr_error, other_mistakes_point_at_the_spot)
{
    expect_error("x is 5", "--where: expected 'null' after 'is' at column 6\n"
                           "  x is 5\n"
                           "       ^");
    expect_error("x in 1", "--where: expected '(' after 'in' at column 6\n"
                           "  x in 1\n"
                           "       ^");
    expect_error("$99 > 1",
                 "--where: there is no column $99: the input has 18 columns at column 1\n"
                 "  $99 > 1\n"
                 "  ^");
    expect_error("$0 > 1", "--where: there is no column $0: the input has 18 columns at column 1\n"
                           "  $0 > 1\n"
                           "  ^");
    expect_error("$ > 1", "--where: unexpected '$' at column 1\n"
                          "  $ > 1\n"
                          "  ^");
    expect_error("`unit price > 1", "--where: unterminated backquoted name at column 1\n"
                                    "  `unit price > 1\n"
                                    "  ^");
}

Test(expr_error, unknown_column_uses_colref_message)
{
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    cr_assert_null(expr_compile("pricee > 1", hdr, NHDR, &err));
    cr_expect_eq(err.code, PCSV_EUSAGE);
    const char *want =
        "unknown column 'pricee' in --where (did you mean 'price'?)\n  columns: a, b, ";
    cr_expect_eq(strncmp(err.msg, want, strlen(want)), 0, "%s", err.msg);
    expect_error("`unit  price` > 1",
                 "unknown column 'unit  price' in --where (did you mean 'unit price'?)\n"
                 "  columns: a, b, c, x, y, price, status, unit price, s, n, weird`name, in, qty, "
                 "country, note, discount, quantity, t");
}

Test(expr_error, caret_counts_utf8_characters_and_copies_tabs)
{
    /* column counts bytes (é is two); the caret line one blank per character */
    expect_error("s == 'é' )", "--where: unexpected ')' at column 11\n"
                               "  s == 'é' )\n"
                               "           ^");
    expect_error("s ==\t'a' )", "--where: unexpected ')' at column 10\n"
                                "  s ==\t'a' )\n"
                                "      \t    ^");
    expect_error("s ==\n)", "--where: expected an expression at column 6\n"
                            "  s == )\n"
                            "       ^");
}

Test(expr_error, long_expression_is_cut_around_the_spot)
{
    size_t n = 3000;
    char *text = malloc(n + 8);
    cr_assert_not_null(text);
    for (size_t i = 0; i < n; i += 5)
        memcpy(text + i, "a or ", 5);
    strcpy(text + n, "1 )");
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    cr_assert_null(expr_compile(text, hdr, NHDR, &err));
    cr_expect_eq(strncmp(err.msg, "--where: unexpected ')' at column 3003\n  ...", 44), 0, "%s",
                 err.msg);
    const char *l2 = strchr(err.msg, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
    cr_expect_null(strchr(l3, '\n'));
    cr_expect_eq(l2[l3 - l2 - 2], ')'); /* the echo ends at the spot: it is the end */
    cr_expect_eq((size_t)(strlen(l3) - 1), (size_t)(l3 - l2 - 2)); /* caret under it */
    free(text);
}

Test(expr_error, deep_nesting_is_refused)
{
    size_t n = 5000;
    char *text = malloc(2 * n + 2);
    cr_assert_not_null(text);
    memset(text, '(', n);
    text[n] = '1';
    memset(text + n + 1, ')', n);
    text[2 * n + 1] = 0;
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    cr_assert_null(expr_compile(text, hdr, NHDR, &err));
    cr_expect_eq(err.code, PCSV_EUSAGE);
    cr_expect_not_null(strstr(err.msg, "expression nested too deeply at column 513"), "%s",
                       err.msg);
    /* as deep as allowed, and evaluated */
    char *neg = malloc(2 * 400 + 8);
    cr_assert_not_null(neg);
    for (int i = 0; i < 400; i++)
        memcpy(neg + 2 * i, "- ", 2);
    strcpy(neg + 800, "x == 5");
    cr_expect_eq(where(neg, "x", "5", NULL), 1);
    free(neg);
    free(text);
    /* a long flat chain is fine */
    char *chain = malloc(40000);
    cr_assert_not_null(chain);
    size_t o = 0;
    for (int i = 0; i < 2000; i++)
        o += (size_t)sprintf(chain + o, "x == %d or ", i);
    strcpy(chain + o, "false");
    cr_expect_eq(where(chain, "x", "1999", NULL), 1);
    free(chain);
}

/* ---- evaluation ---- */

Test(expr_eval, null_compares_false_with_everything)
{
    FALSE_("x == 5");
    FALSE_("x != 5");
    FALSE_("x < 5");
    FALSE_("x >= 5");
    FALSE_("x == x");
    FALSE_("x == null");
    FALSE_("x != null");
    FALSE_("x in (1, 2)");
    FALSE_("x not in (1, 2)");
    FALSE_("x =~ ''");
    FALSE_("x !~ 'a'");
    TRUE_("!(x == 5)");
    TRUE_("not x != 5");
    TRUE_("x is null");
    FALSE_("x is not null");
    TRUE_("x is not null", "x", "0");
    TRUE_("'' is null");
    TRUE_("null is null");
}

Test(expr_eval, numeric_compare_when_both_sides_are_numbers)
{
    TRUE_("a > b", "a", "10", "b", "9");
    TRUE_("\"10\" > \"9\"");
    TRUE_("a < b", "a", "10", "b", "9a"); /* bytes: '1' < '9' */
    TRUE_("\"10\" < \"9a\"");
    TRUE_("a == 1", "a", "1.0");
    TRUE_("a == 10", "a", "1e1");
    TRUE_("a == '+10.00'", "a", "10");
    TRUE_("a > 5", "a", "abc"); /* bytes: 'a' > '5' */
    TRUE_("a < -1.5", "a", "-2");
    TRUE_("a > 0.30000000000000000000000000001", "a", "0.30000000000000000000000000002");
}

Test(expr_eval, strings_compare_as_bytes_then_length)
{
    TRUE_("s == 'abc'", "s", "abc");
    TRUE_("s < 'b'", "s", "abc");
    TRUE_("s < 'abc'", "s", "ab");
    TRUE_("s > 'ABC'", "s", "abc");
    FALSE_("s == 12", "s", " 12"); /* not a number: bytes */
    TRUE_("status == \"paid\" && price > 100", "status", "paid", "price", "100.5");
}

Test(expr_eval, exact_decimal_arithmetic)
{
    TRUE_("0.1 + 0.2 == 0.3");
    TRUE_("a + b == 0.3", "a", "0.1", "b", "0.2");
    TRUE_("0.3 - 0.1 == 0.2");
    TRUE_("1.10 * 3 == 3.3");
    TRUE_("len(0.1 + 0.2) == 3");           /* its text: "0.3" */
    TRUE_("starts_with(1.50 * 2, '3.00')"); /* scales add: 2 + 0 digits */
    TRUE_("9223372036854775807 + 1 == 9223372036854775808");
    TRUE_("not x + 1 == 1", "x", "");
}

Test(expr_eval, division_and_remainder)
{
    TRUE_("7 / 2 == 3.5");
    TRUE_("1 / 0 is null");
    TRUE_("1.5 / 0.0 is null");
    TRUE_("7 % 3 == 1");
    TRUE_("-7 % 3 == -1");
    TRUE_("7.5 % 2 == 1.5");
    TRUE_("0.3 % 0.1 == 0"); /* exact, unlike fmod on doubles */
    TRUE_("5 % 0 is null");
    TRUE_("1e1 % 3 == 1");
    TRUE_("1 / 4 == 0.25");
}

Test(expr_eval, arithmetic_falls_back_to_doubles)
{
    TRUE_("100000000000000000000 * 100000000000000000000 == 1e40");
    TRUE_("99999999999999999999999999999999999999 + 1 > 9.9e37");
    TRUE_("0.000000000000001 * 0.000000000000001 * 0.01 > 0");
    TRUE_("0.000000000000001 * 0.000000000000001 * 0.01 < 1e-31");
    TRUE_("1e308 * 10 > 1e308");
    TRUE_("1e308 * 10 - 1e308 * 10 is null"); /* inf - inf is NaN: null */
    TRUE_("1e2 + 1 == 101");
}

Test(expr_eval, arithmetic_on_null_or_text_is_null)
{
    TRUE_("x + 1 is null");
    TRUE_("s + 1 is null", "s", "abc");
    TRUE_("true + 1 is null");
    TRUE_("-s is null", "s", "abc");
    TRUE_("1 * x is null");
    FALSE_("x * 0 == 0");
}

Test(expr_eval, unary_minus)
{
    TRUE_("-x == -5", "x", "5");
    TRUE_("- -x == 5", "x", "5");
    TRUE_("-(1 - 3) == 2");
    TRUE_("-x == 2.5", "x", "-2.5");
    TRUE_("-x == -1e300", "x", "1e300");
}

Test(expr_eval, in_and_not_in)
{
    TRUE_("status in (\"paid\", \"shipped\")", "status", "paid");
    FALSE_("status not in ('paid')", "status", "paid");
    TRUE_("status not in ('paid', 'x')", "status", "open");
    TRUE_("n in (1, 2, 3)", "n", "2.0");
    TRUE_("n not in (1, 3)", "n", "2.0");
    TRUE_("n in (x, 1 + 1)", "n", "2");
    FALSE_("n in (x)", "n", "2"); /* x is null: never equal */
    TRUE_("country in (\"US\", \"CA\") || note =~ \"(?i)refund\"", "country", "FR", "note",
          "Refund asked");
}

Test(expr_eval, is_null_and_is_not_null)
{
    TRUE_("x is null");
    TRUE_("s is not null", "s", "a");
    TRUE_("trim(s) is null", "s", " \t ");
    TRUE_("not (discount is null) and quantity * price >= 1000", "discount", "5", "quantity", "10",
          "price", "100");
    FALSE_("not (discount is null) and quantity * price >= 1000", "quantity", "10", "price", "100");
    TRUE_("(x is null) == true");
}

Test(expr_eval, regular_expressions)
{
    TRUE_("s =~ \"(?i)refund\"", "s", "Refund requested");
    FALSE_("s =~ \"refund\"", "s", "Refund requested");
    TRUE_("s !~ '^x'", "s", "Refund requested");
    FALSE_("s !~ 'req'", "s", "Refund requested");
    TRUE_("s =~ \"\\d+$\"", "s", "abc123"); /* an unknown escape stays: \d */
    TRUE_("s =~ \"^a\\\\b\"", "s", "a\\b");
    TRUE_("s =~ '(?i)^É'", "s", "éa");
    TRUE_("s =~ 'abc'", "s",
          "\xff\xfe"
          "abc"); /* invalid UTF-8 is matched, not an error */
    TRUE_("n =~ '^12\\.5'", "n", "12.50");
    TRUE_("1 + 1 =~ '^2$'");
    TRUE_("s =~ ''", "s", "anything");
}

Test(expr_eval, len_counts_bytes)
{
    TRUE_("len(s) == 6", "s", "héllo");
    TRUE_("len(x) is null");
    TRUE_("len(12.50) == 5");
    TRUE_("len(n) == 4", "n", "1e10");
    TRUE_("len(true) == 4");
}

Test(expr_eval, lower_and_upper)
{
    TRUE_("lower(s) == 'mixed é'", "s", "MiXeD é");
    TRUE_("upper(s) == \"MIXED é\"", "s", "MiXeD é");
    TRUE_("lower(s) == s", "s", "already lower");
    TRUE_("lower(x) is null");
    TRUE_("upper(x) is null");
    TRUE_("starts_with(upper(n), '1E')", "n", "1e5");
    TRUE_("lower(n) == 100000", "n", "1E5"); /* still a number */
    TRUE_("upper(true) == 'TRUE'");
    TRUE_("lower(s) != upper(s)", "s", "Ab");
}

Test(expr_eval, trim_strips_blanks_and_tabs)
{
    TRUE_("trim(s) == 'hi'", "s", "  hi\t");
    TRUE_("trim(s) == 'a b'", "s", "a b");
    TRUE_("trim(s) == 12 and trim(s) > 9", "s", " 12 "); /* a number after trimming */
    TRUE_("trim(x) is null");
    TRUE_("len(trim(s)) == 3", "s", "\t\tabc ");
}

Test(expr_eval, contains_starts_with_ends_with)
{
    TRUE_("contains(s, 'o w')", "s", "hello world");
    FALSE_("contains(s, 'xyz')", "s", "hello world");
    TRUE_("starts_with(s, 'hell')", "s", "hello world");
    FALSE_("starts_with(s, 'hello world!')", "s", "hello world");
    TRUE_("ends_with(s, 'world')", "s", "hello world");
    FALSE_("ends_with(s, 'hello')", "s", "hello world");
    TRUE_("contains(x, 'a') is null");
    FALSE_("contains(x, 'a')");
    TRUE_("not contains(x, 'a')"); /* null is false, so its negation is true */
    TRUE_("contains(s, x) is null", "s", "abc");
    TRUE_("contains(12345, 34)");
    TRUE_("contains(0.1 + 0.2, '3')");
    TRUE_("ends_with(1 / 4, '25')");
}

Test(expr_eval, abs_of_numbers)
{
    TRUE_("abs(-3.5) == 3.5");
    TRUE_("abs(n) == 2", "n", "-2");
    TRUE_("abs(n) == 2", "n", "2");
    TRUE_("abs(s) is null", "s", "abc");
    TRUE_("abs(x) is null");
    TRUE_("abs(-1e300) == 1e300");
    TRUE_("abs(0.1 - 0.3) == 0.2");
}

Test(expr_eval, truth_of_values)
{
    TRUE_("a", "a", "1");
    TRUE_("a", "a", "yes");
    TRUE_("a", "a", "true");
    TRUE_("a", "a", "no"); /* any text but "false" is true */
    FALSE_("a", "a", "0");
    FALSE_("a", "a", "0.0");
    FALSE_("a", "a", "-0");
    FALSE_("a", "a", "false");
    FALSE_("a", "a", "FALSE");
    FALSE_("a");
    TRUE_("not a", "a", "0");
    TRUE_("a and b", "a", "2", "b", "x");
    FALSE_("1 - 1");
    TRUE_("0.5");
    FALSE_("null");
}

/* SPEC 4: a comparison is numeric when both sides are numbers, else a
 * byte-string compare; true and false are the texts "true" and "false"
 * there, and truthiness is only for whole conditions. */
Test(expr_eval, booleans_compare_as_their_text)
{
    TRUE_("a == true", "a", "true");
    FALSE_("a == true", "a", "1");
    FALSE_("a == true", "a", "yes");
    FALSE_("a == true", "a", "no");
    FALSE_("a == true", "a", "TRUE");
    FALSE_("a == true", "a", "false");
    TRUE_("a == false", "a", "false");
    FALSE_("a == false", "a", "0");
    FALSE_("a == false", "a", "FALSE");
    TRUE_("a != false", "a", "no");
    TRUE_("a != false", "a", "0");
    TRUE_("a != false", "a", "true");
    FALSE_("a != false", "a", "false");
    FALSE_("a != false"); /* null still compares false */
    TRUE_("a != true", "a", "false");
    TRUE_("a != true", "a", "1");
    TRUE_("a in (true, 'x')", "a", "true");
    FALSE_("a in (true, 'x')", "a", "1");
    TRUE_("(1 < 2) == true");
    TRUE_("(1 > 2) == false");
    TRUE_("(1 < 2) == (3 < 4)");
    TRUE_("(1 < 2) == 'true'");
    FALSE_("(1 < 2) == 1");
    TRUE_("false < true");
    FALSE_("x == false"); /* null still compares false */
    FALSE_("x == true");
    /* truthiness of a whole condition is unchanged */
    TRUE_("a", "a", "no");
    FALSE_("a", "a", "0");
}

Test(expr_eval, field_is_reused_across_rows)
{
    /* one ctx, several rows: per-row caches must not leak between rows */
    struct expr *e = compile_ok("n > 5 and n < 10 and n != 7");
    struct expr_ctx *c = expr_ctx_create(e);
    cr_assert_not_null(c);
    const char *fields[NHDR] = {0};
    static const char *ns[] = {"6", "7", "abc", "", "9.99", "10", "5.0001", "1e0"};
    static const int want[] = {1, 0, 0, 0, 1, 0, 1, 0};
    for (int rep = 0; rep < 3; rep++)
        for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
            fields[col_of("n")] = ns[i];
            cr_expect_eq(eval_fields(e, c, fields), want[i], "n=%s", ns[i]);
        }
    expr_ctx_destroy(c);
    expr_destroy(e);
}

Test(expr_eval, scratch_grows_for_long_fields)
{
    struct expr *e = compile_ok("starts_with(lower(s), 'aaaa') and ends_with(upper(lower(s)), "
                                "'AAAB') and lower(s) != upper(s) and len(lower(s)) == len(s)");
    struct expr_ctx *c = expr_ctx_create(e);
    cr_assert_not_null(c);
    const char *fields[NHDR] = {0};
    for (size_t n = 10; n <= 200000; n *= 7) {
        char *s = malloc(n + 1);
        cr_assert_not_null(s);
        memset(s, 'A', n);
        s[n - 1] = 'b';
        s[n] = 0;
        fields[col_of("s")] = s;
        for (int rep = 0; rep < 2; rep++)
            cr_expect_eq(eval_fields(e, c, fields), 1, "n=%zu", n);
        free(s);
    }
    expr_ctx_destroy(c);
    expr_destroy(e);
}

/* ---- threads ---- */

#define MT_ROWS 20000
#define MT_THREADS 4

struct mt_arg {
    const struct expr *e;
    char **s, **n, **t;
    uint8_t *out;
};

static void mt_eval(const struct mt_arg *a, struct expr_ctx *c)
{
    const char *fields[NHDR] = {0};
    int cs = col_of("s"), cn = col_of("n"), ct = col_of("t");
    const int *cols;
    int nc = expr_columns(a->e, &cols);
    for (int r = 0; r < MT_ROWS; r++) {
        fields[cs] = a->s[r];
        fields[cn] = a->n[r];
        fields[ct] = a->t[r];
        struct expr_val vals[NHDR];
        for (int i = 0; i < nc; i++) {
            vals[i].p = (const uint8_t *)fields[cols[i]];
            vals[i].len = strlen(fields[cols[i]]);
        }
        a->out[r] = (uint8_t)expr_eval(a->e, c, vals);
    }
}

static void *mt_thread(void *p)
{
    struct mt_arg *a = p;
    struct expr_ctx *c = expr_ctx_create(a->e);
    if (!c)
        return p;
    mt_eval(a, c);
    int st = expr_ctx_status(c);
    expr_ctx_destroy(c);
    return st ? p : NULL;
}

Test(expr_threads, four_threads_share_one_expression)
{
    struct expr *e = compile_ok("(lower(s) =~ '^k1[0-2]?$' or n % 7 == 3) and trim(t) != 'skip' "
                                "and n * 0.5 > 10 and upper(t) in ('GO', 'MAYBE')");
    char **s = calloc(MT_ROWS, sizeof *s), **n = calloc(MT_ROWS, sizeof *n),
         **t = calloc(MT_ROWS, sizeof *t);
    cr_assert(s && n && t);
    static const char *ts[] = {" skip ", "go", "Maybe", "", "no"};
    for (int r = 0; r < MT_ROWS; r++) {
        s[r] = malloc(16);
        n[r] = malloc(16);
        cr_assert(s[r] && n[r]);
        snprintf(s[r], 16, "K%d", r % 13);
        snprintf(n[r], 16, r % 11 ? "%d" : "%d.5", r);
        t[r] = (char *)ts[r % 5];
    }
    struct mt_arg serial = {e, s, n, t, malloc(MT_ROWS)};
    struct expr_ctx *c = expr_ctx_create(e);
    cr_assert(serial.out && c);
    mt_eval(&serial, c);
    expr_ctx_destroy(c);
    int matches = 0;
    for (int r = 0; r < MT_ROWS; r++)
        matches += serial.out[r];
    cr_assert(matches > 100 && matches < MT_ROWS / 2, "%d matches", matches);

    pthread_t th[MT_THREADS];
    struct mt_arg args[MT_THREADS];
    for (int i = 0; i < MT_THREADS; i++) {
        args[i] = serial;
        args[i].out = malloc(MT_ROWS);
        cr_assert_not_null(args[i].out);
        cr_assert_eq(pthread_create(&th[i], NULL, mt_thread, &args[i]), 0);
    }
    for (int i = 0; i < MT_THREADS; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        cr_expect_null(ret);
        cr_expect_eq(memcmp(args[i].out, serial.out, MT_ROWS), 0, "thread %d differs", i);
        free(args[i].out);
    }
    for (int r = 0; r < MT_ROWS; r++) {
        free(s[r]);
        free(n[r]);
    }
    free(s);
    free(n);
    free(t);
    free(serial.out);
    expr_destroy(e);
}
