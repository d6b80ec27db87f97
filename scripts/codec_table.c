/* codec_table.c - the compression table of docs/hdf5-schema.md: shuffle
 * (or not) + deflate (libdeflate levels 1-6, 9) and LZ4 over the
 * /cohort/<year> datasets of an output file, in chunks of CH rows as the
 * output writes them; compressed size and CPU time of one core.
 * A benchmark that prints figures; not part of the build or the tests.
 *
 *   build/osteosim run configs/china.yaml --agents 300000 --threads 1 \
 *       --set output.compression=0 -o /tmp/raw.h5
 *   gcc -O2 [-DCH=16384] -o /tmp/codec_table scripts/codec_table.c \
 *       -I/usr/include/hdf5/serial -L/usr/lib/x86_64-linux-gnu/hdf5/serial \
 *       -lhdf5 -ldeflate -llz4
 *   /tmp/codec_table /tmp/raw.h5
 */
#include <hdf5.h>
#include <libdeflate.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifndef CH
#define CH 65536
#endif
static double cpu(void){struct timespec t;clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec*1e-9;}
typedef struct {unsigned char *d; size_t n, es;} col;
static col cols[4096]; static int ncols;
static herr_t visit(hid_t loc, const char *name, const H5O_info_t *info, void *op){
  (void)op; if (info->type!=H5O_TYPE_DATASET) return 0;
  if (strncmp(name,"cohort/",7)) return 0;
  hid_t d=H5Dopen2(loc,name,H5P_DEFAULT); hid_t t=H5Dget_type(d); hid_t s=H5Dget_space(d);
  size_t n=(size_t)H5Sget_simple_extent_npoints(s), es=H5Tget_size(t);
  col *c=&cols[ncols++]; c->d=malloc(n*es+1); c->n=n; c->es=es;
  hid_t mt=H5Tget_native_type(t,H5T_DIR_DEFAULT);
  H5Dread(d,mt,H5S_ALL,H5S_ALL,H5P_DEFAULT,c->d);
  H5Tclose(mt);H5Tclose(t);H5Sclose(s);H5Dclose(d); return 0;}
int main(int argc,char**argv){
  hid_t f=H5Fopen(argv[1],H5F_ACC_RDONLY,H5P_DEFAULT);
  H5Ovisit2(f,H5_INDEX_NAME,H5_ITER_INC,visit,NULL,H5O_INFO_BASIC);
  size_t raw=0; for(int i=0;i<ncols;i++) raw+=cols[i].n*cols[i].es;
  printf("datasets %d raw %.1f MB\n",ncols,raw/1e6);
  unsigned char *shuf=malloc(CH*4), *out=malloc(CH*8+1024);
  for (int mode=0; mode<9; mode++) for (int doshuf=1; doshuf>=0; doshuf--) {
    int level = mode>=1&&mode<=6 ? mode : mode==7 ? 9 : 0; /* mode 0: shuffle only; 8: lz4 */
    if (mode==0 && !doshuf) continue;
    struct libdeflate_compressor *z = level? libdeflate_alloc_compressor(level):NULL;
    size_t tot=0; double t0=cpu(), tshuf=0;
    for(int i=0;i<ncols;i++){ col*c=&cols[i];
      for(size_t first=0; first<c->n; first+=CH){
        size_t nv=c->n-first<CH?c->n-first:CH, el=c->n<CH?c->n:CH, es=c->es;
        double a=cpu();
        const unsigned char*src=c->d+first*es;
        if(doshuf){ for(size_t j=0;j<es;j++){for(size_t k=0;k<nv;k++) shuf[j*el+k]=src[k*es+j]; memset(shuf+j*el+nv,0,el-nv);} }
        else { memcpy(shuf,src,nv*es); memset(shuf+nv*es,0,(el-nv)*es);} 
        tshuf+=cpu()-a;
        if(mode==8) tot+=12+4+LZ4_compress_default((char*)shuf,(char*)out,(int)(el*es),CH*8);
        else if(level) tot+=libdeflate_zlib_compress(z,shuf,el*es,out,CH*8+1024);
        else tot+=el*es;
      }}
    double t=cpu()-t0;
    printf("%-8s shuffle=%d  size %7.2f MB  ratio %.3f  cpu %.3f s (shuffle/copy %.3f s)\n",
      mode==8?"lz4":mode==0?"none":(char[]){'d','e','f','l','a','t','e','0'+level,0}, doshuf, tot/1e6, (double)tot/raw, t, tshuf);
    if(z) libdeflate_free_compressor(z);
  }
  return 0;}
