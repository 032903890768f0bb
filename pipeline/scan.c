/* scan.c - the vectorised CSV scanner (see scan.h for the design). */
#include "scan.h"

#include <string.h>

#if defined(__AVX2__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__PCLMUL__)
#include <wmmintrin.h>
#endif

struct masks {
    uint64_t q, d, n, r;
};

static inline void masks_of(const uint8_t *p, uint8_t delim, uint8_t quote, struct masks *m)
{
#if defined(__AVX2__)
    __m256i a = _mm256_loadu_si256((const __m256i *)p);
    __m256i b = _mm256_loadu_si256((const __m256i *)(p + 32));
    __m256i vq = _mm256_set1_epi8((char)quote), vd = _mm256_set1_epi8((char)delim);
    __m256i vn = _mm256_set1_epi8('\n'), vr = _mm256_set1_epi8('\r');
#define M2(v)                                                                                      \
    ((uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, v)) |                           \
     ((uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, v)) << 32))
    m->q = M2(vq);
    m->d = M2(vd);
    m->n = M2(vn);
    m->r = M2(vr);
#undef M2
#elif defined(__SSE2__)
    __m128i x[4];
    for (int i = 0; i < 4; i++)
        x[i] = _mm_loadu_si128((const __m128i *)(p + 16 * i));
    __m128i vq = _mm_set1_epi8((char)quote), vd = _mm_set1_epi8((char)delim);
    __m128i vn = _mm_set1_epi8('\n'), vr = _mm_set1_epi8('\r');
#define M4(v)                                                                                      \
    ((uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x[0], v)) |                              \
     ((uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x[1], v)) << 16) |                      \
     ((uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x[2], v)) << 32) |                      \
     ((uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x[3], v)) << 48))
    m->q = M4(vq);
    m->d = M4(vd);
    m->n = M4(vn);
    m->r = M4(vr);
#undef M4
#else
    uint64_t q = 0, d = 0, n = 0, r = 0;
    for (int i = 0; i < 64; i++) {
        uint64_t bit = (uint64_t)1 << i;
        q |= p[i] == quote ? bit : 0;
        d |= p[i] == delim ? bit : 0;
        n |= p[i] == '\n' ? bit : 0;
        r |= p[i] == '\r' ? bit : 0;
    }
    m->q = q, m->d = d, m->n = n, m->r = r;
#endif
}

/* Bit i of the result is the XOR of bits 0..i of x: 1 inside quotes. */
static inline uint64_t prefix_xor(uint64_t x)
{
#if defined(__PCLMUL__)
    __m128i v = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)x), _mm_set1_epi8((char)0xFF), 0);
    return (uint64_t)_mm_cvtsi128_si64(v);
#else
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
#endif
}

/* Masks of the block at data[pos]; bytes at or past len read as zero (not
 * special: the delimiter and quote are never NUL). */
static inline void load_block(const uint8_t *data, size_t len, size_t pos, uint8_t delim,
                              uint8_t quote, struct masks *m)
{
    if (pos + 64 <= len) {
        masks_of(data + pos, delim, quote, m);
    } else if (pos < len) {
        uint8_t tmp[64] = {0};
        memcpy(tmp, data + pos, len - pos);
        masks_of(tmp, delim, quote, m);
    } else {
        m->q = m->d = m->n = m->r = 0;
    }
}

void scan_init(struct scan *s, const uint8_t *data, size_t len, size_t data_begin, size_t start,
               size_t stop, bool in_quote, uint8_t delim, uint8_t quote, int nsel,
               const int32_t *sel, int nselcols)
{
    memset(s, 0, sizeof *s);
    s->data = data;
    s->len = len;
    s->stop = stop;
    s->delim = delim;
    s->quote = quote;
    s->nsel = nsel;
    s->batch_rows = scan_batch_rows(nsel);
    s->sel = sel;
    s->nselcols = nselcols;
    s->need_cols = (uint32_t)nselcols; /* the caller trims it: see scan.h */
    s->pos = start;
    s->iq_carry = in_quote ? ~(uint64_t)0 : 0;
    if (start == data_begin) {
        s->prev_carry = 1; /* a quote at the very start opens a field */
        s->skipping = false;
    } else {
        uint8_t c = data[start - 1];
        s->prev_carry = (c == delim || c == '\n' || c == quote);
        /* start is a row start iff the byte before it is a line end outside quotes */
        s->skipping = !(c == '\n' && !in_quote);
    }
    s->row_start = s->field_start = start;
    s->done = start >= stop || start >= len;
}

/* Walk the structural bits of one block (at s->pos): delimiters and line
 * ends outside quotes, in order. nl marks which of them are line ends; bad
 * the misplaced quotes. The row state lives in locals here (the compiler
 * cannot keep s->... in registers across the stores into the batch) and is
 * written back on every exit. Returns false when the batch filled up (the
 * rest of the block is saved in s->p_*). */
static inline __attribute__((always_inline)) bool walk(struct scan *s, struct scan_batch *b,
                                                       uint64_t bits, uint64_t bad, uint64_t nl)
{
    const uint8_t *data = s->data;
    const uint64_t pos = s->pos;
    const int32_t *sel = s->sel;
    const uint32_t nsel = (uint32_t)s->nsel, need = s->need_cols;
    uint64_t rstart = s->row_start, fstart = s->field_start;
    uint32_t fidx = s->field_idx;
    uint8_t rbad = s->row_bad;
    size_t nrows = b->nrows;
    struct scan_field *rowf = b->fields + nrows * nsel;
    bool ok = true;

    if (s->skipping) {
        uint64_t n = bits & nl;
        if (!n)
            return true;
        unsigned j = (unsigned)__builtin_ctzll(n);
        uint64_t below = ((uint64_t)2 << j) - 1;
        bits &= ~below;
        bad &= ~below;
        s->skipping = false;
        rstart = fstart = pos + j + 1;
        fidx = 0;
        rbad = 0;
        if (rstart >= s->stop) {
            s->done = true;
            goto out;
        }
    }
    while (bits) {
        unsigned j = (unsigned)__builtin_ctzll(bits);
        if (fidx >= need) {
            /* No selected column is left in this row: jump to its line end,
             * counting the delimiters on the way with one popcount. */
            uint64_t n = bits & nl;
            if (!n) {
                uint64_t last = 63 - (unsigned)__builtin_clzll(bits);
                fidx += (uint32_t)__builtin_popcountll(bits);
                fstart = pos + last + 1;
                bits = 0;
                break;
            }
            unsigned jn = (unsigned)__builtin_ctzll(n);
            uint64_t before = bits & (((uint64_t)1 << jn) - 1);
            if (before) {
                fidx += (uint32_t)__builtin_popcountll(before);
                fstart = pos + (63 - (unsigned)__builtin_clzll(before)) + 1;
                bits &= ~before;
            }
            j = jn;
        }
        uint64_t at = pos + j;
        bits &= bits - 1;
        if (!(nl >> j & 1)) {
            if (fidx < need && sel[fidx] >= 0)
                rowf[sel[fidx]] = (struct scan_field){fstart, at};
            fidx++;
            fstart = at + 1;
            continue;
        }
        /* line end: the row is complete */
        uint64_t below = ((uint64_t)2 << j) - 1;
        uint64_t fe = at;
        if (fe > fstart && data[fe - 1] == '\r')
            fe--;
        rbad |= (bad & below) != 0;
        bad &= ~below;
        if (!(fidx == 0 && fe == rstart)) { /* not a blank line */
            if (fidx < need && sel[fidx] >= 0)
                rowf[sel[fidx]] = (struct scan_field){fstart, fe};
            b->row_start[nrows] = rstart;
            b->row_end[nrows] = fe;
            b->nfields[nrows] = fidx + 1;
            b->bad_quote[nrows] = rbad;
            nrows++;
            rowf += nsel;
        }
        rstart = fstart = at + 1;
        fidx = 0;
        rbad = 0;
        if (rstart >= s->stop) {
            s->done = true;
            goto out;
        }
        if (nrows == s->batch_rows) {
            s->pending = true;
            s->p_bits = bits;
            s->p_bad = bad;
            s->p_nl = nl;
            ok = false;
            goto out;
        }
    }
    rbad |= bad != 0;
out:
    s->row_start = rstart;
    s->field_start = fstart;
    s->field_idx = fidx;
    s->row_bad = rbad;
    b->nrows = nrows;
    return ok;
}

/* The last row at the end of the input, without a line end. */
static void final_row(struct scan *s, struct scan_batch *b)
{
    const uint8_t *data = s->data;
    uint64_t fe = s->len;
    if (fe > s->field_start && data[fe - 1] == '\r')
        fe--;
    if (s->field_idx == 0 && fe == s->row_start)
        return;
    size_t r = b->nrows++;
    uint32_t fidx = s->field_idx;
    if (fidx < s->need_cols && s->sel[fidx] >= 0)
        b->fields[r * (size_t)s->nsel + (size_t)s->sel[fidx]] = (struct scan_field){s->field_start,
                                                                                    fe};
    b->row_start[r] = s->row_start;
    b->row_end[r] = fe;
    b->nfields[r] = fidx + 1;
    b->bad_quote[r] = s->row_bad;
}

size_t scan_next(struct scan *s, struct scan_batch *b)
{
    b->nrows = 0;
    if (s->done)
        return 0;
    if (s->pending) {
        s->pending = false;
        if (!walk(s, b, s->p_bits, s->p_bad, s->p_nl))
            return b->nrows;
        if (s->done)
            return b->nrows;
        s->pos += 64;
    }
    const uint8_t *data = s->data;
    const size_t len = s->len;
    struct masks cur, nxt;
    if (s->pos < len)
        load_block(data, len, s->pos, s->delim, s->quote, &cur);
    while (s->pos < len) {
        size_t pos = s->pos;
        /* A range's rows all start before stop: once the first row start is
         * past stop, there is nothing for this range (and no need to scan a
         * long quoted field of someone else's row to its end). */
        if (s->skipping && pos >= s->stop) {
            s->done = true;
            return b->nrows;
        }
        load_block(data, len, pos + 64, s->delim, s->quote, &nxt);
        uint64_t valid = len - pos >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << (len - pos)) - 1);
        uint64_t iq = prefix_xor(cur.q) ^ s->iq_carry;
        uint64_t open = cur.q & iq, close = cur.q & ~iq;
        uint64_t dnq = cur.d | cur.n | cur.q;
        uint64_t ndnq = nxt.d | nxt.n | nxt.q;
        uint64_t valid_open = open & ((dnq << 1) | s->prev_carry);
        uint64_t next_dnq = (dnq >> 1) | (ndnq << 63);
        uint64_t next_crlf = ((cur.r >> 1) | (nxt.r << 63)) & ((cur.n >> 2) | (nxt.n << 62));
        uint64_t eof_bit = len - pos <= 64 ? (uint64_t)1 << (len - pos - 1) : 0;
        uint64_t valid_close = close & (next_dnq | next_crlf | eof_bit);
        uint64_t bad = cur.q & ~(valid_open | valid_close) & valid;
        uint64_t structural = (cur.d | cur.n) & ~iq & valid;
        s->iq_carry = (uint64_t)((int64_t)iq >> 63);
        s->prev_carry = dnq >> 63;
        if (!walk(s, b, structural, bad, cur.n & ~iq))
            return b->nrows;
        if (s->done)
            return b->nrows;
        s->pos += 64;
        cur = nxt;
    }
    /* end of input */
    s->done = true;
    if (!s->skipping && s->row_start < len) {
        if (s->iq_carry) {
            s->unterminated = true;
            s->unterminated_row = s->row_start;
            return b->nrows;
        }
        final_row(s, b);
    }
    return b->nrows;
}

void scan_count(const uint8_t *p, size_t n, uint8_t quote, uint64_t *quotes, uint64_t *newlines)
{
    uint64_t q = 0, nl = 0;
    size_t i = 0;
#if defined(__AVX2__)
    __m256i vq = _mm256_set1_epi8((char)quote), vn = _mm256_set1_epi8('\n');
    for (; i + 64 <= n; i += 64) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(p + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(p + i + 32));
        uint64_t mq = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, vq)) |
                      (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, vq)) << 32;
        uint64_t mn = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, vn)) |
                      (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, vn)) << 32;
        q += (uint64_t)__builtin_popcountll(mq);
        nl += (uint64_t)__builtin_popcountll(mn);
    }
#elif defined(__SSE2__)
    __m128i vq = _mm_set1_epi8((char)quote), vn = _mm_set1_epi8('\n');
    for (; i + 16 <= n; i += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(p + i));
        q += (uint64_t)__builtin_popcount((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(a, vq)));
        nl += (uint64_t)__builtin_popcount((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(a, vn)));
    }
#endif
    for (; i < n; i++) {
        q += p[i] == quote;
        nl += p[i] == '\n';
    }
    *quotes = q;
    *newlines = nl;
}

/* The line ends outside quotes in the block of p[0, n) at pos, as a mask;
 * *carry is all ones when the byte before the block is inside quotes, and
 * is moved past the block. */
static inline uint64_t row_ends_in_block(const uint8_t *p, size_t n, size_t pos, uint8_t quote,
                                         uint64_t *carry)
{
    struct masks m;
    load_block(p, n, pos, ',', quote, &m);
    uint64_t iq = prefix_xor(m.q) ^ *carry;
    *carry = (uint64_t)((int64_t)iq >> 63);
    uint64_t nl = m.n & ~iq;
    if (n - pos < 64)
        nl &= ((uint64_t)1 << (n - pos)) - 1;
    return nl;
}

size_t scan_last_row_end(const uint8_t *p, size_t n, uint8_t quote)
{
    uint64_t carry = 0;
    size_t last = 0;
    for (size_t pos = 0; pos < n; pos += 64) {
        uint64_t nl = row_ends_in_block(p, n, pos, quote, &carry);
        if (nl)
            last = pos + (63 - (size_t)__builtin_clzll(nl)) + 1;
    }
    return last;
}

size_t scan_first_row_end(const uint8_t *p, size_t n, uint8_t quote, bool in_quote)
{
    uint64_t carry = in_quote ? ~(uint64_t)0 : 0;
    for (size_t pos = 0; pos < n; pos += 64) {
        uint64_t nl = row_ends_in_block(p, n, pos, quote, &carry);
        if (nl)
            return pos + (size_t)__builtin_ctzll(nl) + 1;
    }
    return 0;
}

const uint8_t *scan_unquote(const uint8_t *data, struct scan_field f, uint8_t quote,
                            uint8_t *scratch, size_t *len)
{
    const uint8_t *p = data + f.start;
    size_t n = (size_t)(f.end - f.start);
    if (n == 0 || p[0] != quote) {
        *len = n;
        return p;
    }
    /* "..." with "" for each quote inside; a malformed field (the row is
     * then marked bad) still yields something sensible. */
    size_t end = n >= 2 && p[n - 1] == quote ? n - 1 : n;
    size_t o = 0;
    for (size_t i = 1; i < end; i++) {
        scratch[o++] = p[i];
        if (p[i] == quote && i + 1 < end && p[i + 1] == quote)
            i++;
    }
    *len = o;
    return scratch;
}
