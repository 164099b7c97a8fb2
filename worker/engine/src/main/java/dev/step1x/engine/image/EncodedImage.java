package dev.step1x.engine.image;

/** An output image as file bytes, with the pixel size and the MIME type they decode to. */
public record EncodedImage(byte[] bytes, int width, int height, String contentType) {}
