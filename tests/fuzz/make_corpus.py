#!/usr/bin/env python3
"""make_corpus.py - (re)write the generated seed corpora under tests/fuzz/corpus/.

    python3 tests/fuzz/make_corpus.py        # from the repository root

Seeds named gen-* are written by this script (and removed first); seeds named
regress-* are inputs that once found a bug and are kept by hand. The zstd
seeds need the zstd and pzstd programs, the gzip seeds gzip and pigz. Each seed starts with the harness's
configuration bytes (see the header comment of tests/fuzz/fuzz_NAME.c).
"""
import glob
import os
import re
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")


def clear(target):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    for f in glob.glob(os.path.join(d, "gen-*")):
        os.remove(f)
    return d


def write(d, name, data):
    with open(os.path.join(d, "gen-" + name), "wb") as f:
        f.write(data)


# ---- parse: 4 configuration bytes, then CSV ----
# byte 0 chunk size (0 -> 1 byte, 3 -> 4 bytes, 0x80 -> 8 bytes, 0xff -> 64K),
# byte 1 jobs-1 | 4 no-header | 8 skip | 16 pipe | 32*selection (0-3) | 128 --where,
# byte 2 delimiter, byte 3 quote
def parse_corpus():
    d = clear("parse")
    configs = [b"\x00\x01\x00\x00", b"\x03\x1b\x00\x00", b"\x82\x12\x00\x00",
               b"\x00\x21\x00\x00", b"\x02\x5b\x00\x00", b"\x81\x73\x00\x00",
               b"\x01\x81\x00\x00", b"\x04\x9b\x00\x00"]
    for path in sorted(glob.glob(os.path.join(ROOT, "testdata", "*"))):
        name = os.path.basename(path)
        if name.endswith(".zst") or name == "README.md" or os.path.getsize(path) > 3000:
            continue
        data = open(path, "rb").read()
        delim = b"\x02" if name.endswith(".tsv") else b"\x01" if "semicolon" in name else b"\x00"
        for i, c in enumerate(configs):
            write(d, "%s-%d" % (name, i), c[:2] + delim + c[3:] + data)
    hand = {
        "quoted-breaks": b'id,text\n1,"a\nb"\n2,"c\r\nd"\n3,"""q"""\n',
        "crlf": b"a,b\r\n1,2\r\n3,4\r\n",
        "bom": b"\xef\xbb\xbfa,b\n1,2\n",
        "lone-cr": b"a,b\r1,2\r\n3,4\r\r\n5,6\r",
        "misplaced": b'a,b\n1,x"y\n2,3\n"4"x,5\n',
        "unterminated": b'a,b\n1,2\n3,"4\n5,6\n',
        "blank-lines": b"\n\r\na,b\n\n1,2\n\r\n\r\n3,4\n\n",
        "ragged": b"a,b,c\n1,2\n1,2,3,4\n1,2,3\n",
        "empty-fields": b'a,b\n,\n"",""\n,""\n',
        "only-quotes": b'a\n""""\n""\n""""""\n',
        "quote-at-end": b'a,b\n1,"2"',
        "no-final-eol": b"a,b\n1,2",
    }
    hand["where-quoted"] = b'a,b,c\n"x1",2,"3y"\n"""x",,y\nx,"a\nb","q""y"\nz,z,z\n'
    for name, data in hand.items():
        write(d, name, b"\x00\x03\x00\x00" + data)
        write(d, name + "-skip-pipe", b"\x01\x1a\x00\x00" + data)
        write(d, name + "-last-col", b"\x02\x49\x00\x00" + data)
        write(d, name + "-where", b"\x00\x8b\x00\x00" + data)
    write(d, "single-quote", b"\x00\x01\x00\x01" + b"a,b\n'x,y',2\n'it''s',3\n")
    write(d, "delim-bom-byte", b"\x00\x01\x05\x00" + b"\xef\xbb\xbfa\xefb\n1\xef2\n")


# ---- where: 1 header byte, the expression, NUL, rows ----
NAMES = ["a", "b", "c", "x", "y", "price", "status", "unit price", "s", "n", "weird`name", "in",
         "qty", "country", "note", "discount", "quantity", "t", "region", "product", "name"]
SAMPLE_ROWS = [
    ["1", "2", "", "5", "-3.5", "12.30", "paid", "7", "abc", "0", "w", "in", "3", "US", "Refund!",
     "", "10", "true", "West", "apple", "Smith"],
    ["", "x", "1e3", "", "0.1", "abc", "", "", "  padded  ", "-0", "", "", "", "CA", "",
     "0", "9", "false", "", "", ""],
    ["9999999999999999999999999", "1.", ".5", "+3", "0x10", "1,000", "NA", "nan", "inf",
     "\xc3\xa9t\xc3\xa9", "\xff\xfe", "\"", "\\", "(", ")", "a\nb", "=~", "*", "%", "1/0", "-"],
]


def where_corpus():
    d = clear("where")
    exprs = set()
    for path in glob.glob(os.path.join(ROOT, "tests", "cli", "cases", "*")):
        if path.endswith((".cmd", ".sh")):
            for m in re.finditer(r"--where '([^']*)'", open(path, encoding="utf-8").read()):
                exprs.add(m.group(1))
    src = open(os.path.join(ROOT, "tests", "unit", "test_expr.c"), encoding="utf-8").read()
    for m in re.finditer(r'(?:where|expect_tree|expect_error|compile_ok|TRUE_|FALSE_)\("((?:[^"\\]|\\.)*)"', src):
        text = m.group(1).encode().decode("unicode_escape")
        exprs.add(text)
    rows = b"\x02".join(b"\x01".join(v.encode("utf-8", "surrogateescape") if isinstance(v, str) else v
                                     for v in r) for r in SAMPLE_ROWS)
    rows = rows.replace("\xff\xfe".encode(), b"\xff\xfe")
    for i, text in enumerate(sorted(exprs)):
        data = text.encode("utf-8", "surrogatepass")
        if b"\x00" in data or len(data) > 900:
            continue
        write(d, "%03d" % i, b"\x00" + data + b"\x00" + rows)


# ---- zstd: 1 mode byte (bit 0 pipe, bits 1-3 read size), then the file ----
def zstd_corpus():
    d = clear("zstd")
    tmp = tempfile.mkdtemp()
    a = os.path.join(tmp, "a.csv")
    b = os.path.join(tmp, "b.csv")
    open(a, "wb").write(open(os.path.join(ROOT, "testdata", "sales.csv"), "rb").read())
    open(b, "wb").write(b'id,text\n1,"a\nb"\n2,x\n' * 20)
    files = {}
    for src, tag in ((a, "a"), (b, "b")):
        subprocess.run(["zstd", "-q", "-f", "-3", src, "-o", src + ".zst"], check=True)
        subprocess.run(["pzstd", "-q", "-f", "-p", "1", src, "-o", src + ".pz"], check=True)
        files["zstd-" + tag] = open(src + ".zst", "rb").read()
        files["pzstd-" + tag] = open(src + ".pz", "rb").read()
    files["two-frames"] = files["zstd-a"] + files["zstd-b"]
    files["pzstd-two-frames"] = files["pzstd-a"] + files["pzstd-b"]
    files["truncated"] = files["zstd-a"][:-7]
    files["truncated-header"] = files["zstd-a"][:6]
    files["truncated-second-frame"] = files["two-frames"][:-3]
    c = bytearray(files["zstd-b"])
    c[len(c) // 2] ^= 0x55
    files["corrupt"] = bytes(c)
    files["skippable-only"] = b"\x50\x2a\x4d\x18\x04\x00\x00\x00abcd"
    files["skippable-then-frame"] = files["skippable-only"] + files["zstd-b"]
    files["trailing-garbage"] = files["zstd-a"] + b"x,y\n"
    files["plain"] = open(a, "rb").read()
    files["empty-frame"] = subprocess.run(["zstd", "-q", "-c"], input=b"", stdout=subprocess.PIPE,
                                          check=True).stdout
    for name in ("corrupt.csv.zst", "corrupt_2frames.csv.zst", "sales_2frames.csv.zst"):
        files["testdata-" + name] = open(os.path.join(ROOT, "testdata", name), "rb").read()
    for name, data in files.items():
        write(d, name + "-file", b"\x0a" + data)   # regular file, 4096-byte reads
        write(d, name + "-pipe", b"\x03" + data)   # pipe, 3-byte reads
    # "make frames" mode: the harness compresses the data itself
    made = {"1frame": b"\x1a\x00\x00\x00", "3frames-pz": b"\x1a\x06\x00\x00",
            "2frames-flip": b"\x1a\x09\x30\x00", "4frames-cut": b"\x1a\x13\x00\x20",
            "2frames-nosize-pipe": b"\x1b\x21\x00\x00", "3frames-checksum": b"\x1a\x42\x00\x00"}
    for name, how in made.items():
        write(d, "made-" + name, how + files["plain"])
    # frames that decode to more than the fuzz build's PAR_MAX_OUT (4096):
    # the reader falls back to streaming from that frame on
    big = open(os.path.join(ROOT, "testdata", "groups_many.csv"), "rb").read() * 2
    write(d, "made-2frames-big", b"\x1a\x01\x00\x00" + big)
    write(d, "made-2frames-big-nosize", b"\x1a\x21\x00\x00" + big)
    for f in glob.glob(os.path.join(tmp, "*")):
        os.remove(f)
    os.rmdir(tmp)


# ---- gzip: 1 mode byte (bit 0 pipe, bits 1-3 read size), then the file ----
def gzip_corpus():
    d = clear("gzip")
    sales = open(os.path.join(ROOT, "testdata", "sales.csv"), "rb").read()
    other = b'id,text\n1,"a\nb"\n2,x\n' * 20
    gz = lambda data, *opt: subprocess.run(["gzip", "-c", *opt], input=data,
                                           stdout=subprocess.PIPE, check=True).stdout
    files = {"gzip-a": gz(sales, "-n"), "gzip-b": gz(other, "-9"),
             "pigz-a": subprocess.run(["pigz", "-c", "-n"], input=sales, stdout=subprocess.PIPE,
                                      check=True).stdout,
             "empty": gz(b"", "-n")}
    files["two-members"] = files["gzip-a"] + files["gzip-b"]
    files["truncated"] = files["gzip-a"][:-5]
    files["truncated-header"] = files["gzip-a"][:6]
    files["zero-padding"] = files["gzip-a"] + bytes(40)
    files["trailing-garbage"] = files["gzip-a"] + b"x,y\n"
    files["plain"] = sales
    for name in glob.glob(os.path.join(ROOT, "testdata", "*.gz")):
        files["testdata-" + os.path.basename(name)] = open(name, "rb").read()
    for name, data in files.items():
        write(d, name + "-file", b"\x0a" + data)   # regular file, 4096-byte reads
        write(d, name + "-pipe", b"\x03" + data)   # pipe, 3-byte reads
    # "make members" mode: the harness compresses the data itself
    made = {"1member": b"\x1a\x00\x00\x00", "3members": b"\x1a\x02\x00\x00",
            "2members-flip": b"\x1a\x05\x30\x00", "4members-cut": b"\x1a\x0b\x00\x20",
            "2members-padding-pipe": b"\x1b\x11\x00\x10",
            "1member-garbage": b"\x1a\x20\x00\x00"}
    for name, how in made.items():
        write(d, "made-" + name, how + sales)


if __name__ == "__main__":
    parse_corpus()
    where_corpus()
    zstd_corpus()
    gzip_corpus()
