/* Reads the RCPSS/RSQRTSS approximation tables from the host CPU and checks the model of
 * runtime ops/Approx.java against the host for all 2^32 inputs.
 * gcc -O2 -msse2 tools/rcp-rsqrt-table.c -o /tmp/rcp && /tmp/rcp runtime/src/main/resources/dev/lstar/runtime/ops/zen5-rcp-rsqrt.bin */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <immintrin.h>
static inline uint32_t rcp(uint32_t x){ float f; memcpy(&f,&x,4); __m128 v=_mm_set_ss(f); v=_mm_rcp_ss(v); float r=_mm_cvtss_f32(v); uint32_t o; memcpy(&o,&r,4); return o;}
static inline uint32_t rsq(uint32_t x){ float f; memcpy(&f,&x,4); __m128 v=_mm_set_ss(f); v=_mm_rsqrt_ss(v); float r=_mm_cvtss_f32(v); uint32_t o; memcpy(&o,&r,4); return o;}
uint32_t TR[2048], TQ[2][1024];
uint32_t mrcp(uint32_t x){
  uint32_t s=x&0x80000000u, E=(x>>23)&0xff, m=x&0x7fffff;
  if(E==255) return m? x|0x400000 : s;
  if(E==0) return s|0x7f800000;
  uint32_t t=TR[m>>12]; int oe=(int)((t>>23)&0xff)-((int)E-127);
  if(oe<=0) return s; if (oe>=255) return s|0x7f800000;
  return s|(oe<<23)|(t&0x7fffff);
}
uint32_t mrsq(uint32_t x){
  uint32_t s=x&0x80000000u, E=(x>>23)&0xff, m=x&0x7fffff;
  if(E==255 && m) return x|0x400000;
  if(E==0) return s|0x7f800000;
  if(s) return 0xffc00000u;
  if(E==255) return 0;
  int p=((int)E-127)&1; uint32_t t=TQ[p][m>>13]; int oe=(int)((t>>23)&0xff)-(((int)E-127-p)/2);
  return (oe<<23)|(t&0x7fffff);
}
int main(int argc,char**argv){
  for(uint32_t k=0;k<2048;k++) TR[k]=rcp(0x3f800000|(k<<12));
  for(int p=0;p<2;p++) for(uint32_t k=0;k<1024;k++) TQ[p][k]=rsq(((127u+p)<<23)|(k<<13));
  if(argc>1){ FILE*f=fopen(argv[1],"wb"); fwrite(TR,4,2048,f); fwrite(TQ,4,2048,f); fclose(f); }
  uint64_t bad1=0,bad2=0;
  for(uint64_t i=0;i<(1ull<<32);i++){ uint32_t x=(uint32_t)i;
    uint32_t a=rcp(x), b=mrcp(x); if(a!=b){ if(bad1<8) printf("rcp %08x host %08x model %08x\n",x,a,b); bad1++; }
    a=rsq(x); b=mrsq(x); if(a!=b){ if(bad2<8) printf("rsq %08x host %08x model %08x\n",x,a,b); bad2++; }
  }
  printf("mismatches rcp %lu rsqrt %lu\n",bad1,bad2);
}
