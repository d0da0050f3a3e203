# Shared by the bench scripts: a JDK >= 25 (the launcher's search) and a built jar.
ensure_jar() {
  if [[ -z "${JAVA_HOME:-}" || ! -x "$JAVA_HOME/bin/javac" ]] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
    for d in /usr/lib/jvm/*/; do
      if "$d/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then export JAVA_HOME="${d%/}"; break; fi
    done
  fi
  export PATH="$JAVA_HOME/bin:$PATH"
  [[ -f dist/mysticanvas.jar ]] || ./mysticanvas build
}
