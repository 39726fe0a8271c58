/* asks the class by its name: what the check finds */
static gboolean is_thing (const PsModule *m) { return strcmp (m->klass->name, "Thing") == 0; }
