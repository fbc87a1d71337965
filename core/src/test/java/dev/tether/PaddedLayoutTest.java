package dev.tether;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.FieldLayout;

/**
 * The padded objects really are padded in the layout HotSpot chose. Padding through a class
 * hierarchy is easy to get wrong: since JDK 15 HotSpot gives the gap after a 12-byte object header
 * to the first subclass field that fits, which put the lane's claim word and an in-flight record's
 * {@code nestedDepth} right after the header, with no padding before them.
 */
class PaddedLayoutTest {

  @Test
  void layout_laneClaimWordAndItsHints_have128BytesOfPaddingOnEachSide()
      throws ClassNotFoundException {
    ClassLayout layout = ClassLayout.parseClass(Class.forName("dev.tether.LanePadding$DrainState"));
    assertPadded(layout, field(layout, "value"), 128);
    assertPadded(layout, field(layout, "drainerId"), 128); // the linger's hints, read with it
    assertPadded(layout, field(layout, "contended"), 128);
  }

  @Test
  void layout_laneQueue_producerAndConsumerFieldsAre128BytesApart() {
    ClassLayout layout = ClassLayout.parseClass(XaddLaneQueue.class);
    FieldLayout producerIndex = field(layout, "producerIndex");
    FieldLayout producerChunk = field(layout, "producerChunk");
    FieldLayout producerChunkIndex = field(layout, "producerChunkIndex");
    FieldLayout consumerIndex = field(layout, "consumerIndex");
    FieldLayout consumerChunkIndex = field(layout, "consumerChunkIndex");
    assertPadded(layout, producerIndex, 128);
    assertPadded(layout, consumerChunkIndex, 128);
    assertApart(layout, producerIndex, producerChunk, 128);
    assertApart(layout, producerIndex, producerChunkIndex, 128);
    assertApart(layout, producerChunkIndex, consumerIndex, 128);
    assertApart(layout, producerChunk, consumerIndex, 128);
  }

  @Test
  void layout_inlineRecord_everyFieldHas64BytesOfPaddingOnEachSide() {
    ClassLayout layout = ClassLayout.parseClass(InFlight.Padded.class);
    int checked = 0;
    for (FieldLayout field : layout.fields()) {
      if (field.hostClass().endsWith("RecordFields")) {
        assertPadded(layout, field, 64);
        checked++;
      }
    }
    assertTrue(
        checked >= 6,
        "expected RecordFields' six fields, found " + checked + ":\n" + layout.toPrintable());
  }

  private static FieldLayout field(ClassLayout layout, String name) {
    return layout.fields().stream()
        .filter(field -> field.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no field " + name + ":\n" + layout.toPrintable()));
  }

  private static void assertApart(ClassLayout layout, FieldLayout a, FieldLayout b, int bytes) {
    long gap =
        a.offset() < b.offset()
            ? b.offset() - (a.offset() + a.size())
            : a.offset() - (b.offset() + b.size());
    assertTrue(
        gap >= bytes,
        a.name()
            + " and "
            + b.name()
            + " are "
            + gap
            + " bytes apart; expected at least "
            + bytes
            + ":\n"
            + layout.toPrintable());
  }

  private static void assertPadded(ClassLayout layout, FieldLayout field, int bytes) {
    long after = layout.instanceSize() - (field.offset() + field.size());
    assertTrue(
        field.offset() >= bytes && after >= bytes,
        field.hostClass()
            + "."
            + field.name()
            + " at offset "
            + field.offset()
            + " has "
            + field.offset()
            + " bytes before it and "
            + after
            + " after; expected at least "
            + bytes
            + " on each side:\n"
            + layout.toPrintable());
  }
}
