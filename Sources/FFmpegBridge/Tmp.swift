public enum FFmpegBridgePlaceholder {}
