import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import javax.imageio.ImageIO;

/**
 * Draws the PNG of bench/plot_many_threads.py (which writes the TSV: n, design, CPU ns per invoke)
 * with Java2D, for machines without matplotlib or an SVG converter. Single-file program:
 * {@code java -Djava.awt.headless=true bench/PlotPng.java IN.tsv OUT.png}.
 */
public final class PlotPng {
  private static final Color[] COLOURS = {
      new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd)};

  public static void main(String[] args) throws Exception {
    Map<String, Map<Integer, Double>> series = new LinkedHashMap<>();
    TreeSet<Integer> ns = new TreeSet<>();
    double min = Double.MAX_VALUE;
    double max = 0;
    for (String line : Files.readAllLines(Path.of(args[0]))) {
      String[] f = line.split("\t");
      if (f.length != 3 || f[0].equals("n")) {
        continue;
      }
      int n = Integer.parseInt(f[0]);
      double v = Double.parseDouble(f[2]);
      series.computeIfAbsent(f[1], k -> new LinkedHashMap<>()).put(n, v);
      ns.add(n);
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    int w = 760;
    int h = 480;
    int left = 80;
    int right = 170;
    int top = 40;
    int bottom = 60;
    int pw = w - left - right;
    int ph = h - top - bottom;
    double x0 = Math.log10(ns.first());
    double x1 = Math.max(Math.log10(ns.last()), x0 + 1);
    double y0 = Math.floor(Math.log10(min));
    double y1 = Math.max(Math.ceil(Math.log10(max)), y0 + 1);
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.setColor(Color.BLACK);
    g.drawString("One shared slot, N live virtual threads invoking (invoke; park 1 µs): CPU ns per invoke",
        left, 22);
    for (int e = (int) y0; e <= (int) y1; e++) {
      for (int m : new int[] {1, 2, 5}) {
        double v = m * Math.pow(10, e);
        if (v < Math.pow(10, y0) || v > Math.pow(10, y1)) {
          continue;
        }
        int y = (int) (top + ph - (Math.log10(v) - y0) / (y1 - y0) * ph);
        g.setColor(new Color(0xdddddd));
        g.drawLine(left, y, left + pw, y);
        g.setColor(Color.BLACK);
        String label = String.format("%,d", (long) v);
        g.drawString(label, left - 6 - g.getFontMetrics().stringWidth(label), y + 4);
      }
    }
    for (int n : ns) {
      int x = (int) (left + (Math.log10(n) - x0) / (x1 - x0) * pw);
      g.setColor(new Color(0xeeeeee));
      g.drawLine(x, top, x, top + ph);
      g.setColor(Color.BLACK);
      String label = String.format("%,d", n);
      g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, top + ph + 18);
    }
    g.setColor(Color.BLACK);
    g.drawRect(left, top, pw, ph);
    g.drawString("live virtual threads invoking the slot (log)", left + pw / 2 - 120, h - 18);
    g.rotate(-Math.PI / 2);
    g.drawString("CPU ns per invoke (log)", -(top + ph / 2) - 65, 20);
    g.rotate(Math.PI / 2);
    int i = 0;
    for (Map.Entry<String, Map<Integer, Double>> s : series.entrySet()) {
      Color c = COLOURS[i % COLOURS.length];
      g.setColor(c);
      g.setStroke(new BasicStroke(2f));
      List<int[]> points = new ArrayList<>();
      for (Map.Entry<Integer, Double> p : s.getValue().entrySet()) {
        points.add(new int[] {
            (int) (left + (Math.log10(p.getKey()) - x0) / (x1 - x0) * pw),
            (int) (top + ph - (Math.log10(p.getValue()) - y0) / (y1 - y0) * ph)});
      }
      for (int k = 0; k < points.size(); k++) {
        int[] p = points.get(k);
        g.fillOval(p[0] - 4, p[1] - 4, 8, 8);
        if (k > 0) {
          int[] q = points.get(k - 1);
          g.drawLine(q[0], q[1], p[0], p[1]);
        }
      }
      int ly = top + 20 + 22 * i;
      g.drawLine(left + pw + 15, ly, left + pw + 40, ly);
      g.setColor(Color.BLACK);
      g.drawString(s.getKey(), left + pw + 46, ly + 4);
      i++;
    }
    g.dispose();
    ImageIO.write(image, "png", new File(args[1]));
  }
}
