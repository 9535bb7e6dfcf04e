#!/usr/bin/env python3
"""module_variants.py IN OUT data | funcs K SEED

Variants of a module for measuring the compile cache (ruby_compile.sh):
`data` flips one byte in the middle of the first data segment (a new
build of the same engine with other data); `funcs K SEED` replaces the
bodies of K functions (chosen by SEED among those of 200 B to 20 KB) with
`unreachable` (a redeploy that changed K functions).  Indices, types and
every other function stay the same.
"""
import sys, random
def leb(b,i):
    r=0;s=0
    while True:
        x=b[i];i+=1;r|=(x&0x7f)<<s;s+=7
        if x<0x80: return r,i
def enc(v):
    o=bytearray()
    while True:
        x=v&0x7f;v>>=7
        if v: o.append(x|0x80)
        else: o.append(x);return bytes(o)
b=bytearray(open(sys.argv[1],'rb').read())
out=bytearray(b[:8]);i=8
while i<len(b):
    sid=b[i];n,j=leb(b,i+1);end=j+n
    if sid==11 and sys.argv[3]=='data':
        sec=bytearray(b[i:end])
        # segment 1 content: walk to the first segment's bytes
        c,k=leb(b,j)
        flag,k=leb(b,k)
        while b[k]!=0x0b: k+=1
        k+=1
        ln,k=leb(b,k)
        pos=k+ln//2
        b[pos]^=0x5a
        print('flipped data byte at',hex(pos),'segment length',ln)
        out+=b[i:end];i=end;continue
    if sid==10 and sys.argv[3]=='funcs':
        c,k=leb(b,j);bodies=[]
        for _ in range(c):
            sz,k2=leb(b,k);bodies.append(bytes(b[k2:k2+sz]));k=k2+sz
        rnd=random.Random(int(sys.argv[5]))
        cand=[x for x in range(c) if 200<len(bodies[x])<20000]
        pick=rnd.sample(cand,int(sys.argv[4]))
        for x in pick: bodies[x]=b'\x00\x00\x0b'
        print('replaced',len(pick),'functions, e.g.',sorted(pick)[:5])
        sec=bytearray(enc(c))
        for bd in bodies: sec+=enc(len(bd))+bd
        out+=bytes([10])+enc(len(sec))+sec;i=end;continue
    out+=b[i:end];i=end
open(sys.argv[2],'wb').write(out)
