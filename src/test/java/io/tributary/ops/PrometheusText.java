package io.tributary.ops;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4 (what {@code /metrics} serves):
 * HELP/TYPE comments, samples {@code name{label="value",...} value [timestamp]}. Throws on any line
 * that does not parse, on a sample without a TYPE for its family, and on duplicate series.
 */
public final class PrometheusText {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME.pattern() + ") (counter|gauge|histogram|summary|untyped)");
  private static final Pattern HELP = Pattern.compile("# HELP (" + NAME.pattern() + ")( .*)?");
  private static final Pattern SAMPLE = Pattern.compile("(" + NAME.pattern() + ")(\\{(.*)\\})? (\\S+)( -?\\d+)?");
  private static final Pattern LABEL = Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\[\\\\\"n])*)\"\\s*(,|$)");
  private static final Set<String> SUFFIXES = Set.of("_bucket", "_count", "_sum", "_total", "_created", "_max");

  /** One series: its name and labels. */
  record Series(String name, Map<String, String> labels) {}

  final Map<String, String> types = new HashMap<>();
  final Map<Series, Double> samples = new LinkedHashMap<>();

  public static PrometheusText parse(String text) {
    var p = new PrometheusText();
    int lineNo = 0;
    for (String line : text.split("\n", -1)) {
      lineNo++;
      if (line.isEmpty()) continue;
      if (line.startsWith("#")) {
        Matcher t = TYPE.matcher(line);
        if (t.matches()) {
          if (p.types.put(t.group(1), t.group(2)) != null) throw new IllegalArgumentException("line " + lineNo + ": second TYPE for " + t.group(1));
          continue;
        }
        if (HELP.matcher(line).matches()) continue;
        throw new IllegalArgumentException("line " + lineNo + ": bad comment: " + line);
      }
      Matcher s = SAMPLE.matcher(line);
      if (!s.matches()) throw new IllegalArgumentException("line " + lineNo + ": bad sample: " + line);
      String name = s.group(1);
      if (family(name, p.types) == null) throw new IllegalArgumentException("line " + lineNo + ": no TYPE for " + name);
      Map<String, String> labels = new TreeMap<>();
      if (s.group(3) != null && !s.group(3).isEmpty()) {
        Matcher l = LABEL.matcher(s.group(3));
        int end = 0;
        while (end < s.group(3).length()) {
          if (!l.find(end) || l.start() != end) throw new IllegalArgumentException("line " + lineNo + ": bad labels: " + line);
          labels.put(l.group(1), l.group(2).replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\"));
          end = l.end();
        }
      }
      double value = switch (s.group(4)) {
        case "+Inf" -> Double.POSITIVE_INFINITY;
        case "-Inf" -> Double.NEGATIVE_INFINITY;
        case "NaN" -> Double.NaN;
        default -> Double.parseDouble(s.group(4));
      };
      if (p.samples.put(new Series(name, labels), value) != null) {
        throw new IllegalArgumentException("line " + lineNo + ": duplicate series: " + line);
      }
    }
    return p;
  }

  private static String family(String name, Map<String, String> types) {
    if (types.containsKey(name)) return name;
    for (String suffix : SUFFIXES) {
      if (name.endsWith(suffix) && types.containsKey(name.substring(0, name.length() - suffix.length()))) {
        return name.substring(0, name.length() - suffix.length());
      }
    }
    return null;
  }

  /** The value of the series with this name whose labels include {@code labels} (k, v, k, v...); 0 if there is none. */
  public double value(String name, String... labels) {
    Double found = null;
    for (var e : samples.entrySet()) {
      if (matches(e.getKey(), name, labels)) {
        if (found != null) throw new IllegalArgumentException("more than one series matches " + name + " " + String.join(",", labels));
        found = e.getValue();
      }
    }
    return found == null ? 0 : found;
  }

  /** Whether some series with this name has labels including {@code labels} (k, v, k, v...). */
  public boolean has(String name, String... labels) {
    return samples.keySet().stream().anyMatch(s -> matches(s, name, labels));
  }

  private static boolean matches(Series series, String name, String... labels) {
    if (!series.name().equals(name)) return false;
    for (int i = 0; i < labels.length; i += 2) {
      if (!labels[i + 1].equals(series.labels().get(labels[i]))) return false;
    }
    return true;
  }
}
