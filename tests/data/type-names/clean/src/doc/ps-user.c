/* a comment may say "Thing"; so may a longer text */
// "Thing" in a line comment
static const char *text = "a Thing is not a \"Thing\" literal";
static const char c = '"';
static const char *name (void) { return ps_thing_class.name; }
