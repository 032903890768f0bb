/*
 * gen: deterministic synthetic CSV for the pcsv benchmarks.
 *
 *   cc -O2 -o gen gen.c
 *   gen ROWS SEED > file.csv
 *
 * Header: id,ts,user_id,country,category,product,quantity,price,discount,note
 *
 *   id        1, 2, 3, ...
 *   ts        YYYY-MM-DDTHH:MM:SS, uniform over 2024
 *   user_id   uniform 1..1000000
 *   country   200 two-letter codes, Zipf(s=1): rank 1 ("US") ~17 % of rows
 *   category  50 words, uniform
 *   product   P00000..P09999, uniform
 *   quantity  uniform 1..20
 *   price     uniform 0.01..999.99, always two fraction digits
 *   discount  0.00..0.50 with two digits, empty in ~10 % of rows
 *   note      ~70 % unquoted words; ~30 % quoted and containing a comma, among
 *             them ~1 % of all rows with a doubled quote ("") and ~0.5 % of all
 *             rows with a line break inside the quotes
 *
 * Rows end with "\n". The output depends only on ROWS and SEED.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------ random */

/* wyrand: a 64-bit counter pushed through a 128-bit multiply-fold */
static uint64_t rng_state;

static inline uint64_t rnd64(void)
{
    rng_state += 0xa0761d6478bd642fULL;
    __uint128_t m = (__uint128_t)rng_state * (rng_state ^ 0xe7037ed1a0b428dbULL);
    return (uint64_t)(m >> 64) ^ (uint64_t)m;
}

/* uniform in [0, n), n <= 2^32, by multiply-high on 32 random bits */
static inline uint32_t rnd_below(uint32_t n)
{
    return (uint32_t)(((rnd64() >> 32) * (uint64_t)n) >> 32);
}

/* ------------------------------------------------------------------ tables */

/* 200 codes, most common first (rank order drives the Zipf skew) */
static const char country_codes[] =
    "USCNINDEGBFRJPBRITCAKRRUAUESMXIDNLSATRCH"
    "PLTWBESEARIEATNOILAETHNGSGMYPHDKZAHKBDEG"
    "VNCOCLFIROCZPTPKNZPEGRIQKZQAHUDZKWMAUAET"
    "ECSKKEDOGTOMLUBGUYCRPAAOHRLTTZCIRSLKBYUZ"
    "SIAZGHMMJOCDTNUGBHLVBOPYCMEENPKHSVHNISCY"
    "SNZMGEPGBATTZWBNMTSDALMLMZMNBFAMGABWNIJM"
    "MKMDBJGNMUMGNABSTDRWNEKGTJMWMCLIXKSOMEBM"
    "KYGQMVTGBBSLSRFJSZLSGYBICVLRBZDJADSCLCAG"
    "GDSBGMKNVCWSVUKMTOSTDMPWFMMHKINRTVGWERSS"
    "CFBTTLLAYESYAFLBLYIRKPCUVEHTMRSMVAGLFOGI";
#define N_COUNTRY 200

static const char *const category_names[] = {
    "apparel", "appliances", "art", "audio", "automotive", "baby", "bags", "bath",
    "beauty", "bedding", "bikes", "books", "cameras", "camping", "cleaning", "computers",
    "crafts", "decor", "drinks", "electrical", "fitness", "flooring", "furniture", "games",
    "garden", "grocery", "hardware", "health", "hobby", "jewelry", "kitchen", "lighting",
    "luggage", "media", "medical", "music", "office", "outdoor", "paint", "party",
    "pets", "phones", "plumbing", "seasonal", "shoes", "software", "sports", "storage",
    "tools", "toys",
};
#define N_CATEGORY 50

static const char *const note_words[] = {
    "arrived", "on", "time", "late", "box", "was", "dented", "works", "as", "expected",
    "stopped", "working", "after", "two", "days", "nice", "colour", "wrong", "size", "sent",
    "back", "fits", "well", "bit", "small", "very", "large", "cheap", "feel", "solid",
    "build", "great", "price", "would", "order", "again", "not", "worth", "it", "gift",
    "for", "a", "friend", "kids", "love", "this", "missing", "parts", "manual", "unclear",
    "easy", "setup", "loud", "quiet", "battery", "drains", "fast", "slow", "shipping", "refund",
    "requested", "support", "helpful", "ok",
};
#define N_WORDS 64

static uint8_t category_len[N_CATEGORY];
static uint8_t word_len[N_WORDS];

/* Zipf(s=1) over N_COUNTRY ranks: cumulative thresholds on 32-bit draws, plus a
 * guide table indexed by the top bits that gives the first candidate rank. */
#define GUIDE_BITS 12
static uint64_t zipf_cdf[N_COUNTRY];
static uint8_t zipf_guide[1u << GUIDE_BITS];

static void init_zipf(void)
{
    double harmonic = 0.0, acc = 0.0;
    for (int k = 1; k <= N_COUNTRY; k++)
        harmonic += 1.0 / k;
    for (int k = 1; k <= N_COUNTRY; k++) {
        acc += 1.0 / (k * harmonic);
        zipf_cdf[k - 1] = (uint64_t)(acc * 4294967296.0);
    }
    zipf_cdf[N_COUNTRY - 1] = 1ULL << 32;
    int r = 0;
    for (uint32_t g = 0; g < (1u << GUIDE_BITS); g++) {
        uint64_t lo = (uint64_t)g << (32 - GUIDE_BITS);   /* smallest draw in this slot */
        while (zipf_cdf[r] <= lo)
            r++;
        zipf_guide[g] = (uint8_t)r;
    }
}

static inline int zipf_country(void)
{
    uint64_t u = rnd64() >> 32;
    int r = zipf_guide[u >> (32 - GUIDE_BITS)];
    while (zipf_cdf[r] <= u)
        r++;
    return r;
}

/* "2024-MM-DD" per day of the leap year 2024 */
static char day_text[366][10];
/* "00".."99" */
static char two_digits[200];

static void init_tables(void)
{
    static const int month_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int i = 0; i < 100; i++) {
        two_digits[2 * i] = (char)('0' + i / 10);
        two_digits[2 * i + 1] = (char)('0' + i % 10);
    }
    int doy = 0;
    for (int m = 0; m < 12; m++) {
        for (int d = 1; d <= month_days[m]; d++, doy++) {
            char *t = day_text[doy];
            memcpy(t, "2024-", 5);
            memcpy(t + 5, two_digits + 2 * (m + 1), 2);
            t[7] = '-';
            memcpy(t + 8, two_digits + 2 * d, 2);
        }
    }
    for (int i = 0; i < N_CATEGORY; i++)
        category_len[i] = (uint8_t)strlen(category_names[i]);
    for (int i = 0; i < N_WORDS; i++)
        word_len[i] = (uint8_t)strlen(note_words[i]);
    init_zipf();
}

/* ------------------------------------------------------------------ output */

#define OUT_CAP (8u << 20)
#define ROW_MAX 512 /* generous upper bound on one row's length */

static char *out;
static size_t out_len;

static void flush_out(void)
{
    size_t off = 0;
    while (off < out_len) {
        ssize_t n = write(STDOUT_FILENO, out + off, out_len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("gen: write");
            exit(1);
        }
        off += (size_t)n;
    }
    out_len = 0;
}

static inline char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    char *e = tmp + sizeof tmp, *q = e;
    while (v >= 100) {
        q -= 2;
        memcpy(q, two_digits + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10) {
        q -= 2;
        memcpy(q, two_digits + 2 * v, 2);
    } else {
        *--q = (char)('0' + v);
    }
    size_t n = (size_t)(e - q);
    memcpy(p, q, n);
    return p + n;
}

/* cents as D.DD */
static inline char *put_money(char *p, uint32_t cents)
{
    p = put_u64(p, cents / 100);
    *p++ = '.';
    memcpy(p, two_digits + 2 * (cents % 100), 2);
    return p + 2;
}

/* n >= 1 space-separated random words */
static inline char *put_words(char *p, int n)
{
    for (int i = 0; i < n; i++) {
        if (i)
            *p++ = ' ';
        uint32_t w = rnd_below(N_WORDS);
        memcpy(p, note_words[w], word_len[w]);
        p += word_len[w];
    }
    return p;
}

static char *put_note(char *p)
{
    uint32_t r = rnd_below(2000);
    if (r >= 600) {                 /* 70 %: plain words */
        return put_words(p, 2 + (int)rnd_below(6));
    }
    *p++ = '"';
    p = put_words(p, 2 + (int)rnd_below(4));
    *p++ = ',';
    *p++ = ' ';
    if (r < 10) {                   /* 0.5 %: line break inside the quotes */
        p = put_words(p, 1 + (int)rnd_below(3));
        *p++ = '\n';
        p = put_words(p, 1 + (int)rnd_below(4));
    } else if (r < 30) {            /* 1 %: doubled quote */
        memcpy(p, "they said \"\"", 12);
        p += 12;
        p = put_words(p, 1 + (int)rnd_below(3));
        memcpy(p, "\"\" and", 6);
        p += 6;
        *p++ = ' ';
        p = put_words(p, 1 + (int)rnd_below(3));
    } else {                        /* 28.5 %: comma only */
        p = put_words(p, 2 + (int)rnd_below(5));
    }
    *p++ = '"';
    return p;
}

/* ------------------------------------------------------------------ main */

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *v = x;
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t rows, seed;
    if (argc != 3 || parse_u64(argv[1], &rows) || parse_u64(argv[2], &seed)) {
        fprintf(stderr, "usage: gen ROWS SEED > file.csv\n");
        return 2;
    }
    /* spread the seed so nearby seeds give unrelated streams */
    rng_state = seed * 0x9e3779b97f4a7c15ULL ^ 0x5851f42d4c957f2dULL;
    for (int i = 0; i < 4; i++)
        (void)rnd64();

    init_tables();
    out = malloc(OUT_CAP);
    if (!out) {
        perror("gen: malloc");
        return 1;
    }

    static const char header[] =
        "id,ts,user_id,country,category,product,quantity,price,discount,note\n";
    memcpy(out, header, sizeof header - 1);
    out_len = sizeof header - 1;

    for (uint64_t id = 1; id <= rows; id++) {
        if (out_len > OUT_CAP - ROW_MAX)
            flush_out();
        char *p = out + out_len;

        p = put_u64(p, id);
        *p++ = ',';

        uint32_t sec = rnd_below(366u * 86400u);
        memcpy(p, day_text[sec / 86400], 10);
        p += 10;
        sec %= 86400;
        *p++ = 'T';
        memcpy(p, two_digits + 2 * (sec / 3600), 2);
        p[2] = ':';
        memcpy(p + 3, two_digits + 2 * (sec / 60 % 60), 2);
        p[5] = ':';
        memcpy(p + 6, two_digits + 2 * (sec % 60), 2);
        p[8] = ',';
        p += 9;

        p = put_u64(p, 1 + rnd_below(1000000));
        *p++ = ',';

        int c = zipf_country();
        memcpy(p, country_codes + 2 * c, 2);
        p[2] = ',';
        p += 3;

        uint32_t cat = rnd_below(N_CATEGORY);
        memcpy(p, category_names[cat], category_len[cat]);
        p += category_len[cat];
        *p++ = ',';

        uint32_t prod = rnd_below(10000);
        *p++ = 'P';
        *p++ = '0';
        memcpy(p, two_digits + 2 * (prod / 100), 2);
        memcpy(p + 2, two_digits + 2 * (prod % 100), 2);
        p[4] = ',';
        p += 5;

        p = put_u64(p, 1 + rnd_below(20));
        *p++ = ',';

        p = put_money(p, 1 + rnd_below(99999));
        *p++ = ',';

        if (rnd_below(10) != 0)
            p = put_money(p, rnd_below(51));
        *p++ = ',';

        p = put_note(p);
        *p++ = '\n';

        out_len = (size_t)(p - out);
    }
    flush_out();
    free(out);
    return 0;
}
