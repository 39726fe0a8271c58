/* a layer file: its own name may be written here */
const PsModuleClass ps_thing_class = {
  .name = "Thing",
  .forward = thing_forward,
};
static const char *own = "Thing";
