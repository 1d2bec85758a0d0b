"""Trains the storage codec's zstd dictionary from value dumps (`cargo bench --bench codec --
FILE DIR`). How `src/storage/codec_dictionary_v1.bin` was made, kept so the next dictionary
(under a new format byte: the first must never change) can be made the same way:

    python3 benches/codec_train.py OUT.bin DUMP_DIR [DUMP_DIR ...]

Every table whose bodies average at least 100 bytes contributes up to 4,000 bodies spread
over the table, so a big table does not drown the others. Needs `pip install zstandard`.
"""
import os
import struct
import sys

import zstandard

SIZE = 16384
PER_TABLE = 4000


def bodies(path):
    data = open(path, "rb").read()
    out, i = [], 0
    while i < len(data):
        (n,) = struct.unpack_from("<I", data, i)
        out.append(data[i + 4 : i + 4 + n])
        i += 4 + n
    return out


def main():
    out, dirs = sys.argv[1], sys.argv[2:]
    samples = []
    for d in dirs:
        for name in sorted(os.listdir(d)):
            if not name.endswith(".bin"):
                continue
            b = bodies(os.path.join(d, name))
            if not b or sum(map(len, b)) / len(b) < 100:
                continue
            step = max(1, len(b) // PER_TABLE)
            samples += b[::step]
            print(f"{d}/{name}: {len(b[::step])} of {len(b)}", file=sys.stderr)
    dictionary = zstandard.train_dictionary(SIZE, samples, level=3)
    open(out, "wb").write(dictionary.as_bytes())
    print(f"{out}: {len(dictionary.as_bytes())} bytes from {len(samples)} values", file=sys.stderr)


if __name__ == "__main__":
    main()
