/* h5out_lz4.c - the LZ4 filter of per-agent datasets (output.codec: lz4).
 *
 * Chunks are in the format of the HDF5 LZ4 filter (registered id 32004;
 * the plugin of github.com/nexusformat/HDF5-External-Filter-Plugins that
 * Debian ships as hdf5-filter-plugin, and hdf5plugin for pip), so h5py,
 * R's hdf5r and h5dump read them with that plugin on their plugin path:
 *
 *   8 bytes  uncompressed size of the chunk (big-endian)
 *   4 bytes  block size (big-endian): the whole chunk, as no client
 *            value is set
 *   per block: 4 bytes compressed size (big-endian), then the LZ4 block;
 *            a block that LZ4 cannot shrink is stored as it is, its
 *            "compressed" size then equal to the block size.
 *
 * The filter is registered in this process too (os_h5_lz4_register), so
 * osteosim reads its own files and parallel HDF5 applies it under MPI,
 * without the plugin being installed where osteosim runs.  LZ4 is about
 * ten times as fast as deflate on snapshot data, for files about a sixth
 * larger (docs/hdf5-schema.md).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h5out_int.h"

#ifdef OS_HAVE_LZ4
#include <lz4.h>

static void put_be(unsigned char *p, uint64_t v, int nbytes)
{
    for (int i = nbytes - 1; i >= 0; i--, v >>= 8) p[i] = (unsigned char)(v & 0xff);
}

static uint64_t get_be(const unsigned char *p, int nbytes)
{
    uint64_t v = 0;
    for (int i = 0; i < nbytes; i++) v = v << 8 | p[i];
    return v;
}

size_t os_h5_lz4_bound(size_t len)
{
    return 12 + 4 + (size_t)LZ4_compressBound((int)len);
}

/* Blocks of BLOCK bytes (the last may be shorter) of SRC into OUT. */
static size_t encode(const unsigned char *src, size_t len, size_t block, unsigned char *out,
                     size_t cap)
{
    if (len == 0 || len > INT32_MAX || block == 0) return 0;
    if (block > len) block = len;
    size_t nblocks = (len - 1) / block + 1;
    if (cap < 12 + nblocks * 4 + (size_t)LZ4_compressBound((int)len)) return 0;
    put_be(out, len, 8);
    put_be(out + 8, block, 4);
    size_t at = 12;
    for (size_t done = 0; done < len; done += block) {
        size_t b = len - done < block ? len - done : block;
        int c = LZ4_compress_default((const char *)src + done, (char *)out + at + 4, (int)b,
                                     (int)(cap - at - 4));
        /* Incompressible (LZ4 would grow it, or ran out of room): stored,
         * which always fits (the bound exceeds the data). */
        if (c <= 0 || (size_t)c >= b) {
            c = (int)b;
            memcpy(out + at + 4, src + done, b);
        }
        put_be(out + at, (uint64_t)c, 4);
        at += 4 + (size_t)c;
    }
    return at;
}

size_t os_h5_lz4_chunk(const unsigned char *src, size_t len, unsigned char *out, size_t cap)
{
    return encode(src, len, len, out, cap);
}

/* Decodes chunk IN (N bytes) into a new buffer of *OUTLEN bytes, or NULL
 * for a chunk that is not a well-formed LZ4 filter chunk. */
static unsigned char *decode(const unsigned char *in, size_t n, size_t *outlen)
{
    if (n < 12) return NULL;
    uint64_t orig = get_be(in, 8), block = get_be(in + 8, 4);
    if (orig == 0 || orig > INT32_MAX || block == 0) return NULL;
    if (block > orig) block = orig;
    unsigned char *out = malloc(orig);
    if (!out) return NULL;
    size_t at = 12;
    for (uint64_t done = 0; done < orig;) {
        size_t b = (size_t)(orig - done < block ? orig - done : block);
        if (n - at < 4) break;
        size_t c = (size_t)get_be(in + at, 4);
        at += 4;
        if (c > n - at) break;
        if (c == b) memcpy(out + done, in + at, b);
        else if (LZ4_decompress_safe((const char *)in + at, (char *)out + done, (int)c, (int)b) !=
                 (int)b)
            break;
        at += c;
        done += b;
        if (done == orig) {
            *outlen = (size_t)orig;
            return out;
        }
    }
    free(out);
    return NULL;
}

/* HDF5's filter callback: compresses (or, with H5Z_FLAG_REVERSE,
 * decompresses) the NBYTES of *BUF, replacing *BUF; 0 on failure. */
static size_t lz4_filter(unsigned flags, size_t cd_nelmts, const unsigned cd_values[],
                         size_t nbytes, size_t *buf_size, void **buf)
{
    unsigned char *out;
    size_t len = 0;
    if (flags & H5Z_FLAG_REVERSE) {
        if (!(out = decode(*buf, nbytes, &len))) return 0;
    } else {
        size_t block = cd_nelmts > 0 && cd_values[0] > 0 ? cd_values[0] : nbytes;
        size_t nblocks = nbytes && block ? (nbytes - 1) / (block < nbytes ? block : nbytes) + 1 : 1;
        size_t cap = os_h5_lz4_bound(nbytes) + nblocks * 4;
        if (!(out = malloc(cap))) return 0;
        if (!(len = encode(*buf, nbytes, block, out, cap))) {
            free(out);
            return 0;
        }
    }
    free(*buf);
    *buf = out;
    *buf_size = len;
    return len;
}

int os_h5_lz4_register(void)
{
    /* Registered before the plugin path is searched: this process never
     * needs the plugin (same format either way). */
    static const H5Z_class2_t cls = {
        H5Z_CLASS_T_VERS, (H5Z_filter_t)OS_H5Z_LZ4, 1, 1,
        "lz4 (osteosim, format of the HDF5 LZ4 plugin)", NULL, NULL, lz4_filter};
    return H5Zregister(&cls) < 0 ? -1 : 0;
}

#else /* built without liblz4: output.codec lz4 is refused (h5out.c) */

size_t os_h5_lz4_bound(size_t len)
{
    return len + 16;
}

size_t os_h5_lz4_chunk(const unsigned char *src, size_t len, unsigned char *out, size_t cap)
{
    (void)src; (void)len; (void)out; (void)cap;
    return 0;
}

int os_h5_lz4_register(void)
{
    return -1;
}

#endif
