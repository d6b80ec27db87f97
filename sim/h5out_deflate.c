/* h5out_deflate.c - the shuffle + deflate (or LZ4) filter of chunked
 * datasets, run in parallel threads, producing the bytes HDF5's own
 * pipeline would. */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#ifdef OS_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#include "h5out_int.h"

/* Deflate into the zlib format HDF5's deflate filter reads.  libdeflate
 * where available: about twice as fast as zlib at the same level, and the
 * snapshots' deflate was the largest cost of writing the output.  One
 * compressor per thread (os_deflater), reused for all its chunks. */
#ifdef OS_HAVE_LIBDEFLATE
typedef struct libdeflate_compressor os_deflater;
static os_deflater *deflater_new(int level) { return libdeflate_alloc_compressor(level); }
static void deflater_free(os_deflater *d) { libdeflate_free_compressor(d); }
static size_t deflate_bound(size_t len) { return libdeflate_zlib_compress_bound(NULL, len); }
static size_t deflate_buf(os_deflater *d, const unsigned char *src, size_t len, int level,
                          unsigned char *out, size_t outcap)
{
    (void)level;
    return d ? libdeflate_zlib_compress(d, src, len, out, outcap) : 0;
}
#else
typedef int os_deflater;   /* zlib keeps no state between calls */
static os_deflater zlib_tag;
static os_deflater *deflater_new(int level) { (void)level; return &zlib_tag; }
static void deflater_free(os_deflater *d) { (void)d; }
static size_t deflate_bound(size_t len) { return compressBound((uLong)len); }
static size_t deflate_buf(os_deflater *d, const unsigned char *src, size_t len, int level,
                          unsigned char *out, size_t outcap)
{
    (void)d;
    uLongf n = (uLongf)outcap;
    return compress2(out, &n, src, (uLong)len, level) == Z_OK ? (size_t)n : 0;
}
#endif

void os_h5_pipe_set(hid_t dcpl, os_h5_pipe p, size_t n)
{
    if (p.level <= 0 || n == 0) return;
    hsize_t ch = n < OS_H5_CHUNK_ROWS ? n : OS_H5_CHUNK_ROWS;
    H5Pset_chunk(dcpl, 1, &ch);
    H5Pset_shuffle(dcpl);
    /* LZ4 without client values: the plugin's default of one block per
     * chunk, which is what os_h5_lz4_chunk writes. */
    if (p.codec == OS_CODEC_LZ4) H5Pset_filter(dcpl, OS_H5Z_LZ4, H5Z_FLAG_MANDATORY, 0, NULL);
    else H5Pset_deflate(dcpl, (unsigned)p.level);
}

/* Filters one chunk as HDF5's pipeline would (shuffle, then deflate or
 * LZ4): ELEMS elements of ES bytes from SRC (NVALID valid, the rest zero).
 * Returns the compressed size, or 0 on failure. */
static size_t filter_chunk(os_deflater *d, const unsigned char *src, size_t nvalid, size_t elems,
                           size_t es, os_h5_pipe p, unsigned char *shuf, unsigned char *out,
                           size_t outcap)
{
    /* HDF5's shuffle: byte j of element i goes to j * elems + i; only the
     * rows past NVALID (last chunk) need zeroing. */
    for (size_t j = 0; j < es; j++) {
        for (size_t i = 0; i < nvalid; i++) shuf[j * elems + i] = src[i * es + j];
        memset(shuf + j * elems + nvalid, 0, elems - nvalid);
    }
    if (p.codec == OS_CODEC_LZ4) return os_h5_lz4_chunk(shuf, elems * es, out, outcap);
    return deflate_buf(d, shuf, elems * es, p.level, out, outcap);
}

/* Compresses the chunks (in parallel threads when THREADED) and writes
 * them in order with H5Dwrite_chunk: compression was the serial
 * bottleneck of cohort snapshots. */
herr_t os_h5_write_chunks(hid_t d, const void *data, size_t n, size_t es, os_h5_pipe p,
                          int threaded)
{
    size_t nchunks = (n + OS_H5_CHUNK_ROWS - 1) / OS_H5_CHUNK_ROWS;
    size_t cap = p.codec == OS_CODEC_LZ4 ? os_h5_lz4_bound(OS_H5_CHUNK_ROWS * es)
                                         : deflate_bound(OS_H5_CHUNK_ROWS * es);
    if (!threaded || nchunks == 1) {
        /* One thread: each chunk goes out as soon as it is made, through
         * one buffer. */
        unsigned char *shuf = malloc(OS_H5_CHUNK_ROWS * es), *buf = malloc(cap);
        os_deflater *dfl = p.codec == OS_CODEC_LZ4 ? NULL : deflater_new(p.level);
        herr_t st = shuf && buf && (dfl || p.codec == OS_CODEC_LZ4) ? 0 : -1;
        for (size_t k = 0; k < nchunks && st >= 0; k++) {
            size_t first = k * OS_H5_CHUNK_ROWS;
            size_t nvalid = n - first < OS_H5_CHUNK_ROWS ? n - first : OS_H5_CHUNK_ROWS;
            size_t len = filter_chunk(dfl, (const unsigned char *)data + first * es, nvalid,
                                      OS_H5_CHUNK_ROWS, es, p, shuf, buf, cap);
            hsize_t off = first;
            st = len ? H5Dwrite_chunk(d, H5P_DEFAULT, 0, &off, len, buf) : -1;
        }
        if (dfl) deflater_free(dfl);
        free(shuf);
        free(buf);
        return st;
    }
    unsigned char **out = calloc(nchunks, sizeof *out);
    size_t *len = calloc(nchunks, sizeof *len);
    int bad = !out || !len;
#pragma omp parallel if (!bad)
    {
        unsigned char *shuf = malloc(OS_H5_CHUNK_ROWS * es);
        os_deflater *dfl = p.codec == OS_CODEC_LZ4 ? NULL : deflater_new(p.level);
#pragma omp for schedule(dynamic, 1) reduction(| : bad)
        for (long k = 0; k < (long)nchunks; k++) {
            size_t first = (size_t)k * OS_H5_CHUNK_ROWS;
            size_t nvalid = n - first < OS_H5_CHUNK_ROWS ? n - first : OS_H5_CHUNK_ROWS;
            out[k] = malloc(cap);
            if (!shuf || (!dfl && p.codec != OS_CODEC_LZ4) || !out[k] ||
                !(len[k] = filter_chunk(dfl, (const unsigned char *)data + first * es, nvalid,
                                        OS_H5_CHUNK_ROWS, es, p, shuf, out[k], cap)))
                bad = 1;
        }
        free(shuf);
        if (dfl) deflater_free(dfl);
    }
    herr_t st = bad ? -1 : 0;
    for (size_t k = 0; k < nchunks && st >= 0; k++) {
        hsize_t off = (hsize_t)k * OS_H5_CHUNK_ROWS;
        st = H5Dwrite_chunk(d, H5P_DEFAULT, 0, &off, len[k], out[k]);
    }
    for (size_t k = 0; out && k < nchunks; k++) free(out[k]);
    free(out);
    free(len);
    return st;
}
