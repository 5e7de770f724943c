import EncoreCommandLine

EncoreCommand.main()
