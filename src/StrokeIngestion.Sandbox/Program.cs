Console.Error.WriteLine("The sandbox host is not assembled yet.");
return 2;
