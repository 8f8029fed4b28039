//! File operations (`c-tests/vfs.c`): the list lws_get_fops() heads, the
//! platform open wrapped by the program (as upstream's test-server does)
//! and a virtual set of its own for ".vfs/" paths; files opened through it
//! by the lws_vfs_* calls and by a file mount (a directory opened, then its
//! default file; a virtual file; gzip acceptance passed in and
//! content-encoding out). Built against Debian's header and run on
//! Debian's library and on ours, and built against our header; all outputs
//! must be the same.

mod common;

#[test]
fn vfs_same_on_both_libraries() {
    common::c_differential("vfs", 1, |ours| {
        for want in [
            "list: head has open 1 read 1, then the program's set 1, then nothing",
            "lws_set_fops: head is the program's set 1",
            "open /data.txt vpath=(null) gzip-ok=0 -> len 10, own set 1\nlen 10 tell 0\n",
            "read 0 4 '0123' tell 4\nseek_set 2: 2 tell 2\nread 0 3 '234' tell 5\n",
            // 4.1.6's seek "from the end" moves by length + position + offset
            "seek_end -3: 10 tell 10\nseek_cur -100: 0 tell 0\nseek_cur 100: 10 tell 10\n",
            "read 0 10 '0123456789'\nclose 0, handle NULL\n",
            "custom open /arch.vfs/inner.txt vpath=inner.txt given-head=1 gzip-ok=0\n\
             virtual: virtual-flag 1 len 18 read 0 'virtual inner.txt\n",
            "open /none.txt failed\nnone.txt: NULL\n",
            "open /index.html vpath=(null) gzip-ok=0 -> len 13, own set 1\nGET /\n  HTTP/1.0 200 OK",
            // a directory is opened, then its default file
            "open /sub vpath=(null) gzip-ok=0 -> len 4096, own set 1\n\
             open /sub/index.html vpath=(null) gzip-ok=0 -> len 11, own set 1\nGET /sub\n",
            "open /sub//index.html vpath=(null) gzip-ok=0 -> len 11, own set 1\nGET /sub/\n",
            "body '<p>sub</p>\n'",
            "open /nope failed\nGET /nope\n  HTTP/1.0 404",
            // the mount's path is origin + "/" + what follows "/v"
            "custom open /arch.vfs//inner.txt vpath=/inner.txt given-head=1 gzip-ok=0\n\
             GET /v/inner.txt\n  HTTP/1.0 200 OK\n  content-type: text/plain\n",
            "body 'virtual /inner.txt\n'",
            "GET /v/missing.txt\n  HTTP/1.0 404",
            "GET /v/gz.txt\n  HTTP/1.0 200 OK\n  content-type",
            "gzip-ok=1\nGET /v/gz.txt (accept-encoding sent)\n  HTTP/1.0 200 OK\n  \
             content-encoding: gzip\n",
            "open /data.txt vpath=(null) gzip-ok=1 -> len 10, own set 1\n\
             GET /data.txt (accept-encoding sent)\n  HTTP/1.0 200 OK\n  content-type",
            "custom closes 4\n",
        ] {
            assert!(ours.contains(want), "missing {want:?} in:\n{ours}");
        }
        assert!(ours.ends_with("done\n"), "{ours}");
    });
}
