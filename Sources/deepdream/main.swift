import DeepDreamCLI

DeepDream.main()
