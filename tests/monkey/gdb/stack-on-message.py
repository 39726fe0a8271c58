# gdb: a stack for every GLib critical/warning/assertion whose text contains one of WANT (edit WANT)
#   monkey.py ... --wrap "gdb -batch -x $PWD/tests/monkey/gdb/stack-on-message.py --args" --keep-home
# The app goes on after each stack (=== STOP in the kept home's app.log). (checked in stop(), reading
# g_return_if_fail_warning's expression ($rdx) or g_log_structured_standard's format ($r9)); the app goes on.
import gdb
WANT = ["GDK_IS_FRAME_CLOCK", "n_ranges", "without a current allocation", "GDK_IS_SURFACE", "weak ref"]
class B(gdb.Breakpoint):
    def __init__(self, spec, reg):
        super().__init__(spec, internal=True); self.reg = reg
    def stop(self):
        try:
            t = gdb.parse_and_eval("(char*)%s" % self.reg).string()
        except Exception:
            return False
        return any(w in t for w in WANT)
class Main(gdb.Breakpoint):
    def stop(self):
        B("g_return_if_fail_warning", "$rdx"); B("g_log_structured_standard", "$r9"); B("g_assertion_message_expr", "$r8")
        return False
Main("main")
gdb.execute("set pagination off"); gdb.execute("set confirm off")
gdb.execute("run")
while True:
    try:
        if not gdb.selected_inferior().pid:
            break
        print("=== STOP")
        gdb.execute("bt 60")
        gdb.execute("continue")
    except gdb.error as e:
        print("gdb:", e); break
