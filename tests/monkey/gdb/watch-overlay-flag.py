# gdb: why does the main window's GtkOverlay keep "alloc_needed" into the paint?  (session 9, seed 3018)
# Use (the sandbox sees / read-only: keep the script outside /tmp):
#   monkey.py --app build/src/app/paramscope --replay LIST --keep-home --stall-ms 60000 \
#             --wrap "gdb -batch -x $PWD/tests/monkey/gdb/watch-overlay-flag.py --args"   (an absolute path: gdb starts in the sandbox home)
# The output is in the kept home's app.log (=== SNAPSHOT WARNING, the recorded stacks, the widget's parents).  A hardware
# watchpoint on the overlay's GtkWidgetPrivate flag byte (priv+4: bit 0 alloc_needed, bit 1
# alloc_needed_on_child, read off gtk_widget_queue_allocate's code in GTK 4.8.3) records a stack
# every time alloc_needed goes 0 -> 1; at the snapshot warning the last records are printed.
import gdb, collections, time, os
ring = collections.deque(maxlen=8)
state = {"old": None, "addr": None, "n": 0, "hits": 0}
def frames(n):
    f = gdb.newest_frame(); out = []
    while f is not None and len(out) < n:
        pc = f.pc()
        full = gdb.solib_name(pc)
        so = (full or "app").split("/")[-1]
        out.append("%s[%s]" % (f.name() or "??", so if full is None else "%s+0x%x" % (so, pc - base(full))))
        f = f.older()
    return out
_bases = {}
def base(so):
    if so not in _bases:
        _bases[so] = 0
        for l in gdb.execute("info proc mappings", to_string=True).splitlines():
            p = l.split()
            if len(p) >= 5 and p[-1] == os.path.realpath(so):
                _bases[so] = int(p[0], 16); break
    return _bases[so]
class Flag(gdb.Breakpoint):
    def stop(self):
        v = int(gdb.parse_and_eval("*(unsigned char*)%d" % state["addr"]))
        old = state["old"]; state["old"] = v
        state["n"] += 1
        if old is not None and (v & 1) and not (old & 1):
            ring.append("#%d %.3f SET alloc_needed (byte %02x->%02x): %s" % (state["n"], time.time(), old, v, " < ".join(frames(40))))
        elif old is not None and not (v & 1) and (old & 1):
            ring.append("#%d %.3f cleared (byte %02x->%02x): %s" % (state["n"], time.time(), old, v, " < ".join(frames(6))))
        return False
class Warn(gdb.Breakpoint):
    def stop(self):
        try:
            fmt = gdb.parse_and_eval("(char*)$r9").string()
        except Exception:
            return False
        if "without a current allocation" not in fmt:
            return False
        state["hits"] += 1
        print("=== SNAPSHOT WARNING %d: %s" % (state["hits"], fmt))
        print("--- the overlay's alloc_needed changes before it (oldest first):")
        for r in ring:
            print(r)
        return True
class AddOverlay(gdb.Breakpoint):
    def stop(self):
        return True
class Main(gdb.Breakpoint):
    def stop(self):
        Warn("g_log_structured_standard")
        AddOverlay("gtk_overlay_add_overlay")
        return False
Main("main")
def tname(w):
    return gdb.parse_and_eval("(char*)g_type_name(**(unsigned long**)%d)" % w).string()
def walk(w):
    print("--- the widget and its parents:")
    while w:
        name = gdb.parse_and_eval("(char*)gtk_widget_get_name((void*)%d)" % w).string()
        print("   %s %s 0x%x %dx%d" % (tname(w), name, w, int(gdb.parse_and_eval("(int)gtk_widget_get_width((void*)%d)" % w)),
                                      int(gdb.parse_and_eval("(int)gtk_widget_get_height((void*)%d)" % w))))
        w = int(gdb.parse_and_eval("(unsigned long)gtk_widget_get_parent((void*)%d)" % w))
gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("run")
while True:
    try:
        if not gdb.selected_inferior().pid:
            break
        bps = [b for b in gdb.breakpoints() if isinstance(b, AddOverlay)]
        pc = int(gdb.parse_and_eval("$pc"))
        if bps and pc == int(gdb.parse_and_eval("(unsigned long)&gtk_overlay_add_overlay")):
            ov = int(gdb.parse_and_eval("(unsigned long)$rdi"))
            child = int(gdb.parse_and_eval("(unsigned long)$rsi"))
            print("--- gtk_overlay_add_overlay %s 0x%x <- %s" % (tname(ov), ov, tname(child)))
            if tname(child) == "GtkRevealer" and state["addr"] is None:
                priv = int(gdb.parse_and_eval("*(unsigned long*)(%d+0x18)" % ov))
                state["addr"] = priv + 4
                Flag("*(unsigned char*)%d" % (priv + 4), gdb.BP_WATCHPOINT, gdb.WP_WRITE, internal=True)
                print("--- watching the flags of 0x%x at 0x%x" % (ov, priv + 4))
                for b in bps: b.delete()
        else:
            walk(int(gdb.parse_and_eval("*(unsigned long*)($rsp+16)")))
            gdb.execute("bt 50")
        gdb.execute("continue")
    except gdb.error as e:
        print("gdb:", e)
        break
