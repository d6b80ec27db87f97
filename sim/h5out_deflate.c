/* h5out_deflate.c - the shuffle + deflate filter of chunked datasets,
 * run in parallel threads, producing the bytes HDF5's own pipeline would. */
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

/* Filters one chunk as HDF5's pipeline would (shuffle, then deflate):
 * ELEMS elements of ES bytes from SRC (NVALID valid, the rest zero).
 * Returns the compressed size, or 0 on failure. */
static size_t filter_chunk(os_deflater *d, const unsigned char *src, size_t nvalid, size_t elems,
                           size_t es, int level, unsigned char *shuf, unsigned char *out,
                           size_t outcap)
{
    /* HDF5's shuffle: byte j of element i goes to j * elems + i; only the
     * rows past NVALID (last chunk) need zeroing. */
    for (size_t j = 0; j < es; j++) {
        for (size_t i = 0; i < nvalid; i++) shuf[j * elems + i] = src[i * es + j];
        memset(shuf + j * elems + nvalid, 0, elems - nvalid);
    }
    return deflate_buf(d, shuf, elems * es, level, out, outcap);
}

/* Compresses the chunks in parallel threads and writes them in order with
 * H5Dwrite_chunk: deflate was the serial bottleneck of cohort snapshots. */
herr_t os_h5_write_chunks(hid_t d, const void *data, size_t n, size_t es, int level)
{
    size_t nchunks = (n + OS_H5_CHUNK_ROWS - 1) / OS_H5_CHUNK_ROWS;
    size_t cap = deflate_bound(OS_H5_CHUNK_ROWS * es);
    unsigned char **out = calloc(nchunks, sizeof *out);
    size_t *len = calloc(nchunks, sizeof *len);
    int bad = !out || !len;
#pragma omp parallel if (!bad && nchunks > 1)
    {
        unsigned char *shuf = malloc(OS_H5_CHUNK_ROWS * es);
        os_deflater *dfl = deflater_new(level);
#pragma omp for schedule(dynamic, 1) reduction(| : bad)
        for (long k = 0; k < (long)nchunks; k++) {
            size_t first = (size_t)k * OS_H5_CHUNK_ROWS;
            size_t nvalid = n - first < OS_H5_CHUNK_ROWS ? n - first : OS_H5_CHUNK_ROWS;
            out[k] = malloc(cap);
            if (!shuf || !dfl || !out[k] ||
                !(len[k] = filter_chunk(dfl, (const unsigned char *)data + first * es, nvalid,
                                        OS_H5_CHUNK_ROWS, es, level, shuf, out[k], cap)))
                bad = 1;
        }
        free(shuf);
        deflater_free(dfl);
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
